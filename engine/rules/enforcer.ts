/**
 * Rule enforcement (st2reactor/rules/enforcer.py): for each rule a trigger instance fires, render the action
 * parameters, request the execution and record a RuleEnforcement — `succeeded` with the execution id, or `failed`
 * with the reason (missing action, render error, request refused). Criteria exceptions found while matching are
 * recorded as failed enforcements too, as st2 does. Nothing here throws for one bad rule.
 */
import type { ActionDefinition } from '../model/action.ts';
import type { RuleEnforcement } from '../model/rule.ts';
import type { TriggerInstance } from '../model/trigger.ts';
import type { ExecutionRequest } from '../runners/runner.ts';
import type { Store } from '../store/store.ts';
import { isoNow } from '../time/iso-now.ts';
import { renderRuleActionParameters, untrustedRuleParameters } from './action-parameters.ts';
import type { St2kv } from './criteria.ts';
import type { RuleEngine, RuleMatch } from './rule-engine.ts';

export interface EnforcerDeps {
  engine: RuleEngine;
  getAction(ref: string): ActionDefinition | undefined;
  store: Pick<Store, 'insertRuleEnforcement'>;
  requestExecution(req: ExecutionRequest): Promise<{ id: string }>;
  newId(): string;
  /** Datastore values for templates (`{system: {...}, user: {...}}`); may be async (keyv reads are). */
  st2kv?(): St2kv | Promise<St2kv>;
  /** Extra template variables for action parameters. */
  extraContext?(): Record<string, unknown>;
  now?(): Date;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Requests the execution for one matched rule; returns the enforcement to record. */
async function enforceOne(
  match: RuleMatch,
  instance: TriggerInstance,
  deps: EnforcerDeps,
  st2kv: St2kv | undefined,
): Promise<Pick<RuleEnforcement, 'status' | 'execution_id' | 'failure_reason'>> {
  const { rule } = match;
  const action = deps.getAction(rule.action.ref);
  if (!action) return { status: 'failed', failure_reason: `Action "${rule.action.ref}" doesn't exist` };
  try {
    const parameters = renderRuleActionParameters(rule, instance, {
      action,
      st2kv,
      extra: deps.extraContext?.(),
    });
    const request: ExecutionRequest = {
      action: action.ref,
      parameters,
      context: {
        user: rule.run_as ?? 'system',
        rule: { ref: rule.ref },
        trigger_instance: { id: instance.id, trigger: instance.trigger },
      },
    };
    const untrusted = untrustedRuleParameters(rule);
    if (untrusted.length) request.untrustedParameters = untrusted;
    const execution = await deps.requestExecution(request);
    return { status: 'succeeded', execution_id: execution.id };
  } catch (err) {
    return { status: 'failed', failure_reason: message(err) };
  }
}

/** Writes one enforcement (a function of its own, not a closure per call: see ExecutionService#run on why). */
function recordEnforcement(
  e: Omit<RuleEnforcement, 'id' | 'enforced_at' | 'trigger_instance_id'>,
  instance: TriggerInstance,
  deps: EnforcerDeps,
): RuleEnforcement {
  const enforcement: RuleEnforcement = {
    id: deps.newId(),
    rule: e.rule,
    trigger_instance_id: instance.id,
    status: e.status,
    enforced_at: deps.now ? deps.now().toISOString() : isoNow(),
  };
  if (e.execution_id !== undefined) enforcement.execution_id = e.execution_id;
  if (e.failure_reason !== undefined) enforcement.failure_reason = e.failure_reason;
  deps.store.insertRuleEnforcement(enforcement);
  return enforcement;
}

/**
 * Matches the instance against the engine's rules and enforces every match. Returns the enforcements written,
 * in rule order (criteria failures of a rule first, then its execution request).
 */
export async function enforceRules(
  instance: TriggerInstance,
  deps: EnforcerDeps,
): Promise<RuleEnforcement[]> {
  const st2kv = await deps.st2kv?.();
  const matches = deps.engine.match(instance, { st2kv });
  const out: RuleEnforcement[] = [];
  for (const match of matches) {
    for (const reason of match.failure_reasons ?? []) {
      out.push(
        recordEnforcement(
          { rule: { ref: match.rule.ref }, status: 'failed', failure_reason: reason },
          instance,
          deps,
        ),
      );
    }
    if (!match.matched) continue;
    const result = await enforceOne(match, instance, deps, st2kv);
    out.push(recordEnforcement({ rule: { ref: match.rule.ref }, ...result }, instance, deps));
  }
  return out;
}
