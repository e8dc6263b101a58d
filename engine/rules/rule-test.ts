/**
 * `squall rule test --rule r.yaml --trigger-instance i.json`: does this rule fire for this instance, and why
 * (st2-rule-tester semantics: the rule counts as enabled, the trigger type must equal the instance's, criteria
 * are explained one by one, and a matching rule's action parameters are rendered).
 */
import { isPlainObject } from '../expressions/index.ts';
import type { ActionDefinition } from '../model/action.ts';
import type { RuleDefinition } from '../model/rule.ts';
import type { TriggerInstance } from '../model/trigger.ts';
import { renderRuleActionParameters } from './action-parameters.ts';
import { type CriterionExplanation, evaluateCriteria, explainCriteria, type St2kv } from './criteria.ts';
import { parseRuleDefinition, RuleValidationError } from './rule-parser.ts';

export class TriggerInstanceFileError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`trigger instance field "${field}" ${problem}`);
    this.name = 'TriggerInstanceFileError';
  }
}

/**
 * Reads a trigger-instance document: `{"trigger": "<type ref>", "payload": {...}}`, st2's shape with
 * `occurrence_time`/`id`/`status`, or `trigger` as an object with `type` (trigger type ref) or `ref`.
 */
export function parseTriggerInstance(doc: unknown): TriggerInstance {
  if (!isPlainObject(doc)) throw new TriggerInstanceFileError('(document)', 'must be a JSON object');
  let trigger: string | undefined;
  let triggerParameters: Record<string, unknown> | undefined;
  if (typeof doc.trigger === 'string') trigger = doc.trigger;
  else if (isPlainObject(doc.trigger)) {
    const t = doc.trigger;
    trigger = typeof t.type === 'string' ? t.type : typeof t.ref === 'string' ? t.ref : undefined;
    if (isPlainObject(t.parameters)) triggerParameters = t.parameters;
  }
  if (!trigger) {
    throw new TriggerInstanceFileError(
      'trigger',
      'is required: a trigger type ref string, or an object with "type" or "ref"',
    );
  }
  if (isPlainObject(doc.trigger_parameters)) triggerParameters = doc.trigger_parameters;
  const payload = doc.payload ?? {};
  if (!isPlainObject(payload)) throw new TriggerInstanceFileError('payload', 'must be a JSON object');
  const instance: TriggerInstance = {
    id: typeof doc.id === 'string' ? doc.id : 'rule_tester_instance',
    trigger,
    payload,
    occurrence_time: typeof doc.occurrence_time === 'string' ? doc.occurrence_time : new Date().toISOString(),
    status: 'processing',
  };
  if (triggerParameters) instance.trigger_parameters = triggerParameters;
  return instance;
}

export interface RuleTestResult {
  matched: boolean;
  rule: string;
  trigger: { rule: string; instance: string; matches: boolean };
  criteria: CriterionExplanation[];
  /** st2-worded failure reasons (what would be recorded as failed enforcements). */
  failure_reasons: string[];
  /** For a match: the action and its rendered parameters (or why rendering failed). */
  action?: { ref: string; parameters?: Record<string, unknown>; error?: string };
}

export interface TestRuleOptions {
  st2kv?: St2kv;
  /** The rule's target action, when known (shell-quoting of `cmd` depends on its runner). */
  action?: ActionDefinition;
  /** Rule file path, for error messages. */
  file?: string;
}

function isRuleDefinition(v: unknown): v is RuleDefinition {
  return (
    isPlainObject(v) &&
    typeof v.ref === 'string' &&
    isPlainObject(v.trigger) &&
    isPlainObject(v.action) &&
    'metadata_file' in v
  );
}

/** Tests a rule (YAML object or RuleDefinition) against a trigger-instance document. */
export function testRule(rule: unknown, instanceDoc: unknown, options: TestRuleOptions = {}): RuleTestResult {
  const def = isRuleDefinition(rule)
    ? { ...rule, enabled: true }
    : parseRuleDefinition(rule, { forTest: true, file: options.file });
  const instance = parseTriggerInstance(instanceDoc);
  const triggerMatches = def.trigger.type === instance.trigger;
  const criteria = explainCriteria(def, instance.payload, { st2kv: options.st2kv, instanceId: instance.id });
  const result: RuleTestResult = {
    matched: false,
    rule: def.ref,
    trigger: { rule: def.trigger.type, instance: instance.trigger, matches: triggerMatches },
    criteria,
    failure_reasons: [],
  };
  if (!triggerMatches) return result;
  const evaluation = evaluateCriteria(def, instance.payload, {
    st2kv: options.st2kv,
    instanceId: instance.id,
  });
  result.matched = evaluation.matched;
  result.failure_reasons = evaluation.failures;
  if (evaluation.matched && def.action.ref) {
    try {
      result.action = {
        ref: def.action.ref,
        parameters: renderRuleActionParameters(def, instance, {
          action: options.action,
          st2kv: options.st2kv,
        }),
      };
    } catch (err) {
      result.action = { ref: def.action.ref, error: (err as Error).message };
    }
  }
  return result;
}

export { RuleValidationError };
