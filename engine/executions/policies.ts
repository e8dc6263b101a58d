import type { ExecutionStatus, PolicyDefinition } from '../model/index.ts';

/** Statuses that hold a concurrency slot (st2 counts scheduled + running; the transitional ones still run). */
export const CONCURRENCY_STATUSES: ExecutionStatus[] = [
  'scheduled',
  'running',
  'pausing',
  'resuming',
  'canceling',
];

export interface ConcurrencyPolicy {
  ref: string;
  threshold: number;
  action: 'delay' | 'cancel';
  /** `action.concurrency.attr`: parameter names whose values form the group (e.g. `hostname`). */
  attributes?: string[];
}

export interface RetryPolicy {
  ref: string;
  retryOn: 'failure' | 'timeout';
  maxRetryCount: number;
  delaySeconds: number;
}

export interface ActionPolicies {
  concurrency: ConcurrencyPolicy[];
  retry: RetryPolicy[];
}

const NONE: ActionPolicies = { concurrency: [], retry: [] };

function num(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** The enabled policies that apply to an action, parsed from st2 policy parameters. Unknown types are ignored. */
export function policiesFor(all: readonly PolicyDefinition[], actionRef: string): ActionPolicies {
  let out: ActionPolicies | undefined;
  for (const p of all) {
    if (!p.enabled || p.resource_ref !== actionRef) continue;
    out ??= { concurrency: [], retry: [] };
    const params = p.parameters ?? {};
    if (p.policy_type === 'action.concurrency' || p.policy_type === 'action.concurrency.attr') {
      const attrs = params.attributes;
      out.concurrency.push({
        ref: p.ref,
        threshold: Math.max(0, num(params.threshold, 1)),
        action: params.action === 'cancel' ? 'cancel' : 'delay',
        attributes:
          p.policy_type === 'action.concurrency.attr'
            ? Array.isArray(attrs)
              ? attrs.map(String)
              : typeof attrs === 'string'
                ? [attrs]
                : []
            : undefined,
      });
    } else if (p.policy_type === 'action.retry') {
      out.retry.push({
        ref: p.ref,
        retryOn: params.retry_on === 'timeout' ? 'timeout' : 'failure',
        maxRetryCount: Math.max(0, num(params.max_retry_count, 2)),
        // st2 caps the delay at 120 s.
        delaySeconds: Math.min(120, Math.max(0, num(params.delay, 0))),
      });
    }
  }
  return out ?? NONE;
}

/** The group key of an execution for an attr policy (same key → same bucket). */
export function attributeKey(policy: ConcurrencyPolicy, parameters: Record<string, unknown>): string {
  return JSON.stringify((policy.attributes ?? []).map((a) => parameters[a] ?? null));
}
