import { join } from 'node:path';
import type { ActionDefinition } from '../model/action.ts';
import type { AliasDefinition } from '../model/alias.ts';
import type { LoadedPack, PackProblem } from '../model/pack.ts';
import type { PolicyDefinition } from '../model/policy.ts';
import type { RuleDefinition } from '../model/rule.ts';
import type { SensorDefinition } from '../model/sensor.ts';
import type { TriggerType } from '../model/trigger.ts';
import {
  BUILTIN_TRIGGER_TYPES,
  getBuiltinTriggerType,
  validateTriggerParameters,
} from '../triggers/trigger-types.ts';
import { sourceLine } from './yaml-file.ts';

export interface RegistryOptions {
  /** Rule enable/disable overrides (ref -> enabled) the engine persisted; they win over the YAML. */
  ruleOverrides?: Map<string, boolean> | Record<string, boolean>;
  /** Problems found before the registry (discovery), kept in `problems`. */
  problems?: PackProblem[];
}

/**
 * Everything loaded from all packs, by ref. Built-in trigger types are always present. When a user pack
 * has the ref of a built-in pack, the user pack replaces it (with a warning).
 */
export class Registry {
  readonly packs = new Map<string, LoadedPack>();
  readonly actions = new Map<string, ActionDefinition>();
  readonly rules = new Map<string, RuleDefinition>();
  readonly aliases = new Map<string, AliasDefinition>();
  readonly sensors = new Map<string, SensorDefinition>();
  readonly triggerTypes = new Map<string, TriggerType>();
  readonly policies = new Map<string, PolicyDefinition>();
  readonly problems: PackProblem[] = [];
  /** Rule enable/disable overrides by rule ref; persist this map and pass it back on the next load. */
  readonly ruleOverrides: Map<string, boolean>;

  constructor(packs: readonly LoadedPack[], options: RegistryOptions = {}) {
    const o = options.ruleOverrides;
    this.ruleOverrides = o instanceof Map ? new Map(o) : new Map(Object.entries(o ?? {}));
    this.problems.push(...(options.problems ?? []));
    for (const t of BUILTIN_TRIGGER_TYPES) this.triggerTypes.set(t.ref, t);

    for (const pack of choosePacks(packs, this.problems)) {
      this.packs.set(pack.metadata.ref, pack);
      this.problems.push(...pack.problems);
      for (const a of pack.actions) this.actions.set(a.ref, a);
      for (const a of pack.aliases) this.aliases.set(a.ref, a);
      for (const s of pack.sensors) this.sensors.set(s.ref, s);
      for (const p of pack.policies) this.policies.set(p.ref, p);
      for (const t of pack.triggerTypes) {
        if (getBuiltinTriggerType(t.ref)) {
          this.problems.push(
            problem(pack, `trigger type "${t.ref}" is built in; the pack's definition is ignored`),
          );
        } else this.triggerTypes.set(t.ref, t);
      }
    }
    // Rules last: their trigger types may come from any pack.
    for (const pack of this.packs.values()) {
      for (const rule of pack.rules) {
        if (this.checkRule(pack, rule)) this.rules.set(rule.ref, rule);
      }
    }
    this.checkReferences();
  }

  getPack(ref: string): LoadedPack | undefined {
    return this.packs.get(ref);
  }
  getAction(ref: string): ActionDefinition | undefined {
    return this.actions.get(ref);
  }
  /** The rule with its effective `enabled` (override applied). */
  getRule(ref: string): RuleDefinition | undefined {
    const rule = this.rules.get(ref);
    return rule ? this.effective(rule) : undefined;
  }
  getAlias(ref: string): AliasDefinition | undefined {
    return this.aliases.get(ref);
  }
  getSensor(ref: string): SensorDefinition | undefined {
    return this.sensors.get(ref);
  }
  getTriggerType(ref: string): TriggerType | undefined {
    return this.triggerTypes.get(ref);
  }
  getPolicy(ref: string): PolicyDefinition | undefined {
    return this.policies.get(ref);
  }

  listActions(pack?: string): ActionDefinition[] {
    return filterPack([...this.actions.values()], pack);
  }
  /** Rules with their effective `enabled`. */
  listRules(pack?: string): RuleDefinition[] {
    return filterPack([...this.rules.values()], pack).map((r) => this.effective(r));
  }
  listAliases(pack?: string): AliasDefinition[] {
    return filterPack([...this.aliases.values()], pack);
  }
  listSensors(pack?: string): SensorDefinition[] {
    return filterPack([...this.sensors.values()], pack);
  }
  listPolicies(pack?: string): PolicyDefinition[] {
    return filterPack([...this.policies.values()], pack);
  }
  listTriggerTypes(pack?: string): TriggerType[] {
    return filterPack([...this.triggerTypes.values()], pack);
  }

  /** Enabled rules listening to a trigger type. */
  rulesForTrigger(triggerTypeRef: string): RuleDefinition[] {
    return this.listRules().filter((r) => r.enabled && r.trigger.type === triggerTypeRef);
  }

  /** Enabled policies applying to an action. */
  policiesFor(actionRef: string): PolicyDefinition[] {
    return [...this.policies.values()].filter((p) => p.enabled && p.resource_ref === actionRef);
  }

  isRuleEnabled(ref: string): boolean {
    const rule = this.rules.get(ref);
    if (!rule) return false;
    return this.ruleOverrides.get(ref) ?? rule.enabled;
  }

  /** Records an enable/disable override; returns false for an unknown rule. */
  setRuleEnabled(ref: string, enabled: boolean): boolean {
    if (!this.rules.has(ref)) return false;
    this.ruleOverrides.set(ref, enabled);
    return true;
  }

  /** Drops the override so the YAML's `enabled` applies again. */
  clearRuleOverride(ref: string): void {
    this.ruleOverrides.delete(ref);
  }

  hasErrors(): boolean {
    return this.problems.some((p) => p.severity === 'error');
  }

  private effective(rule: RuleDefinition): RuleDefinition {
    const override = this.ruleOverrides.get(rule.ref);
    return override === undefined || override === rule.enabled ? rule : { ...rule, enabled: override };
  }

  /** Cross-pack rule checks; false drops the rule. */
  private checkRule(pack: LoadedPack, rule: RuleDefinition): boolean {
    const type = this.triggerTypes.get(rule.trigger.type);
    if (!type) {
      this.problems.push({
        pack: pack.metadata.ref,
        file: rule.metadata_file,
        path: '/trigger/type',
        ...withLine(rule, '/trigger/type'),
        message: `unknown trigger type "${rule.trigger.type}" (no loaded pack defines it); the rule never fires until one does`,
        severity: 'warning',
      });
      return true;
    }
    // Built-in trigger parameters were checked while loading the pack.
    if (getBuiltinTriggerType(type.ref)) return true;
    const issues = validateTriggerParameters(type.ref, rule.trigger.parameters, type);
    for (const issue of issues) {
      this.problems.push({
        pack: pack.metadata.ref,
        file: rule.metadata_file,
        path: `/trigger/parameters${issue.path}`,
        ...withLine(rule, `/trigger/parameters${issue.path}`),
        message: `trigger ${type.ref} parameters: ${issue.message}; the rule is skipped`,
        severity: 'error',
      });
    }
    return issues.length === 0;
  }

  private checkReferences(): void {
    for (const rule of this.rules.values()) {
      if (!this.actions.has(rule.action.ref)) {
        this.problems.push({
          pack: rule.pack,
          file: rule.metadata_file,
          path: '/action/ref',
          ...withLine(rule, '/action/ref'),
          message: `action "${rule.action.ref}" is not loaded; enforcing the rule fails until a pack provides it`,
          severity: 'warning',
        });
      }
    }
    for (const alias of this.aliases.values()) {
      if (!this.actions.has(alias.action_ref)) {
        this.problems.push({
          pack: alias.pack,
          file: alias.metadata_file,
          path: '/action_ref',
          ...withLine(alias, '/action_ref'),
          message: `action "${alias.action_ref}" is not loaded; the alias fails until a pack provides it`,
          severity: 'warning',
        });
      }
    }
    for (const policy of this.policies.values()) {
      if (!this.actions.has(policy.resource_ref)) {
        this.problems.push({
          pack: policy.pack,
          file: policy.metadata_file,
          path: '/resource_ref',
          ...withLine(policy, '/resource_ref'),
          message: `policy applies to action "${policy.resource_ref}", which is not loaded`,
          severity: 'warning',
        });
      }
    }
  }
}

/** Picks one pack per ref: a user pack replaces a built-in one; otherwise the first wins. */
function choosePacks(packs: readonly LoadedPack[], problems: PackProblem[]): LoadedPack[] {
  const chosen = new Map<string, LoadedPack>();
  for (const pack of packs) {
    const ref = pack.metadata.ref;
    const current = chosen.get(ref);
    if (!current) {
      chosen.set(ref, pack);
      continue;
    }
    if (current.builtin && !pack.builtin) {
      chosen.set(ref, pack);
      problems.push(
        problem(
          pack,
          `user pack "${ref}" at ${pack.path} replaces the built-in pack of the same name (${current.path})`,
        ),
      );
    } else if (!current.builtin && pack.builtin) {
      problems.push(
        problem(
          current,
          `user pack "${ref}" at ${current.path} replaces the built-in pack of the same name (${pack.path})`,
        ),
      );
    } else {
      problems.push(
        problem(
          pack,
          `pack "${ref}" at ${pack.path} ignored: a pack with that ref is already loaded from ${current.path}`,
        ),
      );
    }
  }
  return [...chosen.values()];
}

function problem(pack: LoadedPack, message: string): PackProblem {
  return { pack: pack.metadata.ref, file: join(pack.path, 'pack.yaml'), message, severity: 'warning' };
}

function filterPack<T extends { pack: string }>(items: T[], pack?: string): T[] {
  return pack ? items.filter((i) => i.pack === pack) : items;
}

function withLine(definition: object, pointer: string): { line?: number } {
  const line = sourceLine(definition, pointer);
  return line === undefined ? {} : { line };
}
