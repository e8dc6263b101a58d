/**
 * Picks the rules a trigger instance fires. Rules are bucketed by trigger (type ref + parameters, as st2 keeps one
 * Trigger per distinct parameter set) and, inside a bucket, hash-indexed on an `equals` criterion, so an
 * event only evaluates rules that can match. Results equal a full scan (see `matchRulesLinear`): a rule is only
 * skipped when one of its criteria is certainly false and nothing before it could have raised (st2 records
 * criteria exceptions as failed enforcements, so those must still be evaluated).
 */
import { isPlainObject } from '../expressions/index.ts';
import type { RuleDefinition } from '../model/rule.ts';
import type { TriggerInstance } from '../model/trigger.ts';
import {
  type CompiledCriterion,
  compileCriteria,
  type EvalEnv,
  evaluateCompiled,
  makeContext,
  type St2kv,
} from './criteria.ts';
import { EQUALS_NAMES } from './operators.ts';
import { type CompiledPath, findAll } from './payload-lookup.ts';

export interface RuleMatch {
  rule: RuleDefinition;
  /** True when every criterion held: the rule's action is to be run. */
  matched: boolean;
  /** The first failure reason (st2 wording), when an exception made a criterion false. */
  failure_reason?: string;
  /** All failure reasons (`search` can produce several); each becomes a failed enforcement. */
  failure_reasons?: string[];
}

export interface MatchContext {
  /** Datastore values for templates: `{ system: {...}, user: {...} }`. */
  st2kv?: St2kv;
}

interface Entry {
  rule: RuleDefinition;
  order: number;
  compiled: CompiledCriterion[];
}

interface EqIndex {
  path: CompiledPath;
  table: Map<string, Entry[]>;
}

interface Bucket {
  /** Standard rules that cannot be indexed: always evaluated. */
  unindexed: Entry[];
  indexes: EqIndex[];
  backstop: Entry[];
}

/** Canonical JSON with sorted keys: the identity of a trigger's parameter set. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The identity of a trigger: type + parameters. Webhook urls are compared without leading/trailing slashes, as
 * st2 normalizes them (`/sample/` and `sample` are one hook).
 */
export function triggerKey(type: string, parameters: Record<string, unknown> | undefined | null): string {
  let params = parameters ?? {};
  if (type === 'core.st2.webhook' && typeof params.url === 'string') {
    params = { ...params, url: params.url.replace(/^\/+|\/+$/g, '') };
  }
  return `${type}\0${stableKey(params)}`;
}

/** Hash of a value under Python `==` for primitives (1 == 1.0 == True); undefined when it cannot equal one. */
function eqHash(value: unknown): string | undefined {
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'number') return `n:${value}`;
  if (typeof value === 'boolean') return `n:${value ? 1 : 0}`;
  if (value instanceof Uint8Array) return `s:${new TextDecoder().decode(value)}`;
  return undefined;
}

// Operators that cannot raise whatever the value (so a criterion using them never records a failure).
const NEVER_RAISE = new Set(['eq', 'equals', 'neq', 'nequals', 'exists', 'nexists']);

/** True when evaluating the criterion can never throw: plain field path, static pattern, non-raising operator. */
function cannotFail(c: CompiledCriterion): boolean {
  return Boolean(c.op && c.type && NEVER_RAISE.has(c.type.toLowerCase()) && c.path?.simple && !c.isTemplate);
}

/**
 * The criterion an index can use: an `equals` with a static primitive pattern on a plain field path, reached
 * only through criteria that cannot fail — so when it is false, st2 would stop there with nothing recorded.
 */
function indexableEquals(compiled: CompiledCriterion[]): { path: CompiledPath; hash: string } | undefined {
  for (const c of compiled) {
    if (!cannotFail(c)) return undefined;
    if (!EQUALS_NAMES.has(c.type!.toLowerCase())) continue;
    const p = c.staticPattern;
    const hash = p === null || p === undefined || typeof p === 'object' ? undefined : eqHash(p);
    if (hash !== undefined) return { path: c.path!, hash };
  }
  return undefined;
}

function isBackstop(rule: RuleDefinition): boolean {
  return rule.type?.ref === 'backstop';
}

function evaluate(entry: Entry, instance: TriggerInstance, context: Record<string, unknown>, st2kv?: St2kv) {
  const env: EvalEnv = { ruleRef: entry.rule.ref, instanceId: instance.id, context, st2kv, failures: [] };
  const matched = evaluateCompiled(entry.compiled, instance.payload, env);
  return { matched, failures: env.failures };
}

function toMatch(rule: RuleDefinition, matched: boolean, failures: string[]): RuleMatch | undefined {
  if (!matched && failures.length === 0) return undefined;
  const m: RuleMatch = { rule, matched };
  if (failures.length) {
    m.failure_reason = failures[0];
    m.failure_reasons = failures;
  }
  return m;
}

export class RuleEngine {
  private buckets = new Map<string, Bucket>();
  private rules: RuleDefinition[] = [];

  constructor(rules: RuleDefinition[] = []) {
    this.setRules(rules);
  }

  /** Replaces the rule set (disabled rules are kept out: they never match). */
  setRules(rules: RuleDefinition[]): void {
    this.rules = [...rules];
    const buckets = new Map<string, Bucket>();
    rules.forEach((rule, order) => {
      if (!rule.enabled) return;
      const key = triggerKey(rule.trigger.type, rule.trigger.parameters);
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { unindexed: [], indexes: [], backstop: [] };
        buckets.set(key, bucket);
      }
      const entry: Entry = { rule, order, compiled: compileCriteria(rule.criteria) };
      if (isBackstop(rule)) {
        bucket.backstop.push(entry);
        return;
      }
      const eq = indexableEquals(entry.compiled);
      if (!eq) {
        bucket.unindexed.push(entry);
        return;
      }
      let index = bucket.indexes.find((i) => i.path.path === eq.path.path);
      if (!index) {
        index = { path: eq.path, table: new Map() };
        bucket.indexes.push(index);
      }
      const list = index.table.get(eq.hash);
      if (list) list.push(entry);
      else index.table.set(eq.hash, [entry]);
    });
    this.buckets = buckets;
  }

  getRules(): readonly RuleDefinition[] {
    return this.rules;
  }

  /** Rules that matched or failed (with st2's failure reasons) for this instance, in rule order. */
  match(instance: TriggerInstance, ctx: MatchContext = {}): RuleMatch[] {
    const bucket = this.buckets.get(triggerKey(instance.trigger, instance.trigger_parameters));
    if (!bucket) return [];
    const context = makeContext(instance.payload, ctx.st2kv);
    const candidates = this.candidates(bucket, context);
    const out: RuleMatch[] = [];
    let anyMatched = false;
    for (const entry of candidates) {
      const r = evaluate(entry, instance, context, ctx.st2kv);
      anyMatched ||= r.matched;
      const m = toMatch(entry.rule, r.matched, r.failures);
      if (m) out.push(m);
    }
    // Backstop rules are a second pass that only runs when no standard rule matched.
    if (!anyMatched) {
      for (const entry of bucket.backstop) {
        const r = evaluate(entry, instance, context, ctx.st2kv);
        const m = toMatch(entry.rule, r.matched, r.failures);
        if (m) out.push(m);
      }
    }
    return out;
  }

  private candidates(bucket: Bucket, context: Record<string, unknown>): Entry[] {
    let lists: Entry[][] | undefined;
    let single: Entry[] | undefined = bucket.unindexed.length ? bucket.unindexed : undefined;
    for (const index of bucket.indexes) {
      const m = findAll(index.path, context);
      const hash = m ? eqHash(m[0]) : undefined;
      const hit = hash === undefined ? undefined : index.table.get(hash);
      if (!hit) continue;
      if (!single) single = hit;
      else {
        lists ??= [single];
        lists.push(hit);
      }
    }
    if (!lists) return single ?? [];
    return lists.flat().sort((a, b) => a.order - b.order);
  }
}

/** Reference semantics without any index: every rule checked in order (used to test the index). */
export function matchRulesLinear(
  rules: RuleDefinition[],
  instance: TriggerInstance,
  ctx: MatchContext = {},
): RuleMatch[] {
  const key = triggerKey(instance.trigger, instance.trigger_parameters);
  const context = makeContext(instance.payload, ctx.st2kv);
  const applicable = rules
    .map((rule, order) => ({ rule, order, compiled: compileCriteria(rule.criteria) }))
    .filter((e) => e.rule.enabled && triggerKey(e.rule.trigger.type, e.rule.trigger.parameters) === key);
  const out: RuleMatch[] = [];
  let anyMatched = false;
  for (const entry of applicable.filter((e) => !isBackstop(e.rule))) {
    const r = evaluate(entry, instance, context, ctx.st2kv);
    anyMatched ||= r.matched;
    const m = toMatch(entry.rule, r.matched, r.failures);
    if (m) out.push(m);
  }
  if (!anyMatched) {
    for (const entry of applicable.filter((e) => isBackstop(e.rule))) {
      const r = evaluate(entry, instance, context, ctx.st2kv);
      const m = toMatch(entry.rule, r.matched, r.failures);
      if (m) out.push(m);
    }
  }
  return out;
}
