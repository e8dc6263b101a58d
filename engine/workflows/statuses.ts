/**
 * Orquesta statuses and the task / workflow state machines (orquesta/statuses.py, machines.py).
 * Tables are data so the conductor stays a pure function of (state, event).
 */

export const S = {
  REQUESTED: 'requested',
  SCHEDULED: 'scheduled',
  DELAYED: 'delayed',
  RUNNING: 'running',
  PENDING: 'pending',
  PAUSING: 'pausing',
  PAUSED: 'paused',
  RESUMING: 'resuming',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  EXPIRED: 'timeout',
  ABANDONED: 'abandoned',
  RETRYING: 'retrying',
  CANCELING: 'canceling',
  CANCELED: 'canceled',
  UNSET: 'null',
} as const;

export type WorkflowStatus = (typeof S)[keyof typeof S];

export const ALL_STATUSES: readonly string[] = Object.values(S);
export const STARTING_STATUSES = new Set<string>([S.REQUESTED, S.SCHEDULED, S.DELAYED, S.RUNNING, S.PENDING]);
export const RUNNING_STATUSES = new Set<string>([
  S.REQUESTED,
  S.SCHEDULED,
  S.DELAYED,
  S.RUNNING,
  S.RESUMING,
  S.RETRYING,
]);
export const ACTIVE_STATUSES = new Set<string>([
  S.REQUESTED,
  S.SCHEDULED,
  S.DELAYED,
  S.RUNNING,
  S.RESUMING,
  S.PAUSING,
  S.CANCELING,
]);
export const PAUSE_STATUSES = new Set<string>([S.PAUSING, S.PAUSED]);
export const CANCEL_STATUSES = new Set<string>([S.CANCELING, S.CANCELED]);
export const ABENDED_STATUSES = new Set<string>([S.FAILED, S.EXPIRED, S.ABANDONED]);
export const COMPLETED_STATUSES = new Set<string>([
  S.SUCCEEDED,
  S.FAILED,
  S.EXPIRED,
  S.ABANDONED,
  S.CANCELED,
]);

export function isValidStatus(status: unknown): status is WorkflowStatus {
  return typeof status === 'string' && ALL_STATUSES.includes(status);
}

type Table = Record<string, Record<string, string>>;

const { REQUESTED, SCHEDULED, DELAYED, RUNNING, PENDING, PAUSING, PAUSED, RESUMING } = S;
const { SUCCEEDED, FAILED, EXPIRED, ABANDONED, RETRYING, CANCELING, CANCELED, UNSET } = S;

const dormantToStarted = {
  workflow_pausing_workflow_dormant: PAUSED,
  workflow_paused_workflow_dormant: PAUSED,
  workflow_canceling_workflow_dormant: CANCELED,
  workflow_canceled_workflow_dormant: CANCELED,
  workflow_failed: FAILED,
};

/** Workflow status transitions keyed by event name (with context suffixes). */
export const WORKFLOW_STATE_MACHINE: Table = {
  [UNSET]: {
    workflow_requested: REQUESTED,
    workflow_scheduled: SCHEDULED,
    workflow_delayed: DELAYED,
    workflow_running: RUNNING,
    workflow_failed: FAILED,
  },
  [REQUESTED]: {
    workflow_scheduled: SCHEDULED,
    workflow_delayed: DELAYED,
    workflow_running: RUNNING,
    ...dormantToStarted,
  },
  [SCHEDULED]: { workflow_delayed: DELAYED, workflow_running: RUNNING, ...dormantToStarted },
  [DELAYED]: { workflow_scheduled: SCHEDULED, workflow_running: RUNNING, ...dormantToStarted },
  [RUNNING]: {
    workflow_pausing_workflow_active: PAUSING,
    workflow_pausing_workflow_dormant: PAUSED,
    workflow_paused_workflow_active: PAUSING,
    workflow_paused_workflow_dormant: PAUSED,
    workflow_canceling_workflow_active: CANCELING,
    workflow_canceling_workflow_dormant: CANCELED,
    workflow_canceled_workflow_active: CANCELING,
    workflow_canceled_workflow_dormant: CANCELED,
    workflow_failed: FAILED,
    workflow_succeeded: SUCCEEDED,
    task_pending_workflow_active: PAUSING,
    task_pending_workflow_dormant: PAUSED,
    task_pausing: RUNNING,
    task_paused_workflow_active: RUNNING,
    task_paused_workflow_dormant: PAUSED,
    task_succeeded_workflow_active_incomplete: RUNNING,
    task_succeeded_workflow_active_completed: RUNNING,
    task_succeeded_workflow_active_paused: PAUSING,
    task_succeeded_workflow_active_canceled: CANCELING,
    task_succeeded_workflow_dormant_incomplete: RUNNING,
    task_succeeded_workflow_dormant_completed: SUCCEEDED,
    task_succeeded_workflow_dormant_paused: PAUSED,
    task_succeeded_workflow_dormant_canceled: CANCELED,
    task_failed_workflow_active: FAILED,
    task_failed_workflow_dormant: FAILED,
    task_remediated_workflow_active_incomplete: RUNNING,
    task_remediated_workflow_active_completed: RUNNING,
    task_remediated_workflow_active_paused: PAUSING,
    task_remediated_workflow_active_canceled: CANCELING,
    task_remediated_workflow_dormant_incomplete: RUNNING,
    task_remediated_workflow_dormant_completed: SUCCEEDED,
    task_remediated_workflow_dormant_paused: PAUSED,
    task_remediated_workflow_dormant_canceled: CANCELED,
    task_canceling: CANCELING,
    task_canceled_workflow_active: CANCELING,
    task_canceled_workflow_dormant: CANCELED,
  },
  [PAUSING]: {
    workflow_pausing_workflow_active: PAUSING,
    workflow_pausing_workflow_dormant: PAUSED,
    workflow_paused_workflow_active: PAUSING,
    workflow_paused_workflow_dormant: PAUSED,
    workflow_canceling_workflow_active: CANCELING,
    workflow_canceling_workflow_dormant: CANCELED,
    workflow_canceled_workflow_active: CANCELING,
    workflow_canceled_workflow_dormant: CANCELED,
    workflow_running: RUNNING,
    workflow_resuming: RESUMING,
    workflow_failed: FAILED,
    task_pending_workflow_active: PAUSING,
    task_pending_workflow_dormant: PAUSED,
    task_paused_workflow_active: PAUSING,
    task_paused_workflow_dormant: PAUSED,
    task_succeeded_workflow_active_incomplete: PAUSING,
    task_succeeded_workflow_active_completed: PAUSING,
    task_succeeded_workflow_active_paused: PAUSING,
    task_succeeded_workflow_active_canceled: PAUSING,
    task_succeeded_workflow_dormant_incomplete: PAUSED,
    task_succeeded_workflow_dormant_completed: PAUSED,
    task_succeeded_workflow_dormant_paused: PAUSED,
    task_succeeded_workflow_dormant_canceled: CANCELED,
    task_failed_workflow_active: FAILED,
    task_failed_workflow_dormant: FAILED,
    task_remediated_workflow_active_incomplete: PAUSING,
    task_remediated_workflow_active_completed: PAUSING,
    task_remediated_workflow_active_paused: PAUSING,
    task_remediated_workflow_active_canceled: CANCELING,
    task_remediated_workflow_dormant_incomplete: PAUSED,
    task_remediated_workflow_dormant_completed: PAUSED,
    task_remediated_workflow_dormant_paused: PAUSED,
    task_remediated_workflow_dormant_canceled: CANCELED,
    task_canceling: CANCELING,
    task_canceled_workflow_active: CANCELING,
    task_canceled_workflow_dormant: CANCELED,
    task_retrying_workflow_active: PAUSING,
    task_retrying_workflow_dormant: PAUSED,
  },
  [PAUSED]: {
    workflow_running: RUNNING,
    workflow_running_workflow_completed: SUCCEEDED,
    workflow_resuming: RESUMING,
    workflow_resuming_workflow_completed: SUCCEEDED,
    workflow_canceling_workflow_dormant: CANCELED,
    workflow_canceled_workflow_dormant: CANCELED,
    workflow_failed: FAILED,
    task_running: RUNNING,
    task_resuming: RUNNING,
  },
  [RESUMING]: {
    workflow_pausing_workflow_active: PAUSING,
    workflow_pausing_workflow_dormant: PAUSED,
    workflow_paused_workflow_active: PAUSING,
    workflow_paused_workflow_dormant: PAUSED,
    workflow_canceling_workflow_active: CANCELING,
    workflow_canceling_workflow_dormant: CANCELED,
    workflow_canceled_workflow_active: CANCELING,
    workflow_canceled_workflow_dormant: CANCELED,
    workflow_running: RUNNING,
    workflow_failed: FAILED,
    task_running: RUNNING,
    task_pending_workflow_active: PAUSING,
    task_pending_workflow_dormant: PAUSED,
    task_succeeded_workflow_active_incomplete: RUNNING,
    task_succeeded_workflow_active_completed: RUNNING,
    task_succeeded_workflow_dormant_incomplete: RUNNING,
    task_succeeded_workflow_dormant_completed: SUCCEEDED,
    task_succeeded_workflow_dormant_paused: PAUSED,
    task_succeeded_workflow_dormant_canceled: CANCELED,
    task_failed_workflow_active: FAILED,
    task_failed_workflow_dormant: FAILED,
    task_remediated_workflow_active_incomplete: RUNNING,
    task_remediated_workflow_active_completed: RUNNING,
    task_remediated_workflow_dormant_incomplete: RUNNING,
    task_remediated_workflow_dormant_completed: SUCCEEDED,
    task_remediated_workflow_dormant_paused: PAUSED,
    task_remediated_workflow_dormant_canceled: CANCELED,
    task_canceling: CANCELING,
    task_canceled_workflow_active: CANCELING,
    task_canceled_workflow_dormant: CANCELED,
  },
  [CANCELING]: {
    workflow_canceling_workflow_active: CANCELING,
    workflow_canceling_workflow_dormant: CANCELED,
    workflow_canceled_workflow_active: CANCELING,
    workflow_canceled_workflow_dormant: CANCELED,
    workflow_failed: FAILED,
    task_pending_workflow_active: CANCELING,
    task_pending_workflow_dormant: CANCELED,
    task_paused_workflow_active: CANCELING,
    task_paused_workflow_dormant: CANCELED,
    task_succeeded_workflow_active_incomplete: CANCELING,
    task_succeeded_workflow_active_completed: CANCELING,
    task_succeeded_workflow_dormant_incomplete: CANCELED,
    task_succeeded_workflow_dormant_completed: CANCELED,
    task_succeeded_workflow_dormant_paused: CANCELED,
    task_succeeded_workflow_dormant_canceled: CANCELED,
    task_failed_workflow_active: CANCELING,
    task_failed_workflow_dormant: CANCELED,
    task_remediated_workflow_active_incomplete: CANCELING,
    task_remediated_workflow_active_completed: CANCELING,
    task_remediated_workflow_dormant_incomplete: CANCELED,
    task_remediated_workflow_dormant_completed: CANCELED,
    task_remediated_workflow_dormant_paused: CANCELED,
    task_remediated_workflow_dormant_canceled: CANCELED,
    task_canceled_workflow_active: CANCELING,
    task_canceled_workflow_dormant: CANCELED,
    task_retrying_workflow_active: CANCELING,
    task_retrying_workflow_dormant: CANCELED,
  },
  [CANCELED]: {},
  // Succeeded can still fail when the output does not render.
  [SUCCEEDED]: { workflow_failed: FAILED },
  [FAILED]: {},
};

/** Builds the 'action_<status>_task_<active|dormant>_items_<...>' family for one outcome. */
function itemEvents(status: string, outcome: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [suffix, next] of Object.entries(outcome)) out[`action_${status}${suffix}`] = next;
  return out;
}

const ITEMS_SUFFIXES = [
  '_task_dormant_items_paused',
  '_task_dormant_items_canceled',
  '_task_dormant_items_failed',
  '_task_dormant_items_incomplete',
  '_task_dormant_items_completed',
] as const;

function dormant(status: string, values: [string, string, string, string, string]): Record<string, string> {
  const out: Record<string, string> = {};
  ITEMS_SUFFIXES.forEach((s, i) => {
    out[`action_${status}${s}`] = values[i];
  });
  return out;
}

const startedFromQueue = {
  action_pending: PENDING,
  action_pausing: PAUSING,
  action_paused: PAUSED,
  action_canceling: CANCELING,
  action_canceled: CANCELED,
  action_failed: FAILED,
  action_timeout: EXPIRED,
  action_abandoned: ABANDONED,
};

/** Task status transitions keyed by event name (with item context suffixes). */
export const TASK_STATE_MACHINE: Table = {
  [UNSET]: {
    action_requested: REQUESTED,
    action_scheduled: SCHEDULED,
    action_delayed: DELAYED,
    action_running: RUNNING,
    action_pending: PENDING,
    task_continue_requested: SUCCEEDED,
    task_noop_requested: SUCCEEDED,
    task_fail_requested: FAILED,
  },
  [REQUESTED]: {
    action_scheduled: SCHEDULED,
    action_delayed: DELAYED,
    action_running: RUNNING,
    ...startedFromQueue,
  },
  [SCHEDULED]: { action_delayed: DELAYED, action_running: RUNNING, ...startedFromQueue },
  [DELAYED]: { action_scheduled: SCHEDULED, action_running: RUNNING, ...startedFromQueue },
  [RUNNING]: {
    action_running: RUNNING,
    action_pending: PENDING,
    ...itemEvents('pending', { _task_active_items_incomplete: PAUSING }),
    ...dormant('pending', [PAUSED, CANCELED, FAILED, PAUSED, PAUSED]),
    action_pausing: PAUSING,
    action_paused: PAUSED,
    ...itemEvents('paused', { _task_active_items_incomplete: PAUSING }),
    ...dormant('paused', [PAUSED, CANCELED, FAILED, PAUSED, PAUSED]),
    action_canceling: CANCELING,
    action_canceled: CANCELED,
    ...itemEvents('canceled', { _task_active_items_incomplete: CANCELING }),
    ...dormant('canceled', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_failed: FAILED,
    ...dormant('failed', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    action_timeout: FAILED,
    ...dormant('timeout', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    action_abandoned: FAILED,
    ...dormant('abandoned', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    action_succeeded: SUCCEEDED,
    ...itemEvents('succeeded', { _task_active_items_incomplete: RUNNING }),
    ...dormant('succeeded', [PAUSED, CANCELED, FAILED, RUNNING, SUCCEEDED]),
    workflow_pausing_task_active_items_incomplete: PAUSING,
    workflow_pausing_task_dormant_items_incomplete: PAUSED,
    workflow_paused_task_active_items_incomplete: PAUSING,
    workflow_paused_task_dormant_items_incomplete: PAUSED,
    workflow_canceling_task_active_items_incomplete: CANCELING,
    workflow_canceling_task_dormant_items_incomplete: CANCELED,
    workflow_canceled_task_active_items_incomplete: CANCELING,
    workflow_canceled_task_dormant_items_incomplete: CANCELED,
  },
  [PENDING]: {
    action_canceled: CANCELED,
    action_failed: FAILED,
    action_timeout: FAILED,
    action_abandoned: FAILED,
    action_succeeded: SUCCEEDED,
  },
  [PAUSING]: {
    ...dormant('pending', [PAUSED, CANCELED, FAILED, PAUSED, PAUSED]),
    action_paused: PAUSED,
    ...dormant('paused', [PAUSED, CANCELED, FAILED, PAUSED, PAUSED]),
    action_resuming: RESUMING,
    action_canceling: CANCELING,
    action_canceled: CANCELED,
    ...dormant('canceled', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_failed: FAILED,
    ...dormant('failed', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    action_timeout: FAILED,
    ...dormant('timeout', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    action_abandoned: FAILED,
    ...dormant('abandoned', [FAILED, CANCELED, FAILED, FAILED, FAILED]),
    ...dormant('succeeded', [PAUSED, CANCELED, FAILED, PAUSED, SUCCEEDED]),
  },
  [PAUSED]: {
    action_running: RUNNING,
    action_resuming: RESUMING,
    action_canceling: CANCELING,
    action_canceled: CANCELED,
  },
  [RESUMING]: { action_running: RUNNING, action_canceling: CANCELING, action_canceled: CANCELED },
  [RETRYING]: {
    action_running: RUNNING,
    action_canceling: CANCELING,
    action_canceled: CANCELED,
    workflow_canceling: CANCELED,
    workflow_canceled: CANCELED,
  },
  [CANCELING]: {
    ...dormant('pending', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_paused: CANCELED,
    ...dormant('paused', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_canceled: CANCELED,
    ...dormant('canceled', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_failed: FAILED,
    ...dormant('failed', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_timeout: FAILED,
    ...dormant('timeout', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    action_abandoned: FAILED,
    ...dormant('abandoned', [CANCELED, CANCELED, CANCELED, CANCELED, CANCELED]),
    ...dormant('succeeded', [CANCELED, CANCELED, CANCELED, CANCELED, SUCCEEDED]),
  },
  [CANCELED]: {},
  [SUCCEEDED]: { task_retry_requested: RETRYING },
  [FAILED]: { task_retry_requested: RETRYING },
};

/** Engine commands usable in `do` (events.ENGINE_EVENT_MAP): event name and resulting status. */
export const ENGINE_COMMANDS: Record<string, { event: string; status: string }> = {
  continue: { event: 'task_continue_requested', status: SUCCEEDED },
  fail: { event: 'task_fail_requested', status: FAILED },
  noop: { event: 'task_noop_requested', status: SUCCEEDED },
  retry: { event: 'task_retry_requested', status: RETRYING },
};

export function isEngineCommand(name: string): boolean {
  return Object.hasOwn(ENGINE_COMMANDS, name);
}

/** Task events that need workflow context (events.TASK_CONDITIONAL_EVENTS). */
export const TASK_CONDITIONAL_EVENTS = new Set([
  'task_pending',
  'task_paused',
  'task_succeeded',
  'task_failed',
  'task_remediated',
  'task_canceled',
  'task_retrying',
]);
