/** Every execution status, in lifecycle order (the API validates `status` filters against it). */
export const EXECUTION_STATUSES = [
  'requested',
  'scheduled',
  'delayed',
  'running',
  'pending', // waiting for an inquiry response
  'pausing',
  'paused',
  'resuming',
  'canceling',
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const COMPLETED_STATUSES: readonly ExecutionStatus[] = [
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
];

export function isCompleted(status: ExecutionStatus): boolean {
  return COMPLETED_STATUSES.includes(status);
}

/** Where an execution came from and who it runs for. Mirrors st2's execution context. */
export interface ExecutionContext {
  user: string;
  /** The chat user (or API user) that asked for it, when different from `user`. */
  api_user?: string;
  /** Set when a rule requested it. */
  rule?: { ref: string; id?: string };
  trigger_instance?: { id: string; trigger: string };
  /** Set when a chat alias requested it. */
  action_alias_ref?: { name: string; ref?: string };
  source_channel?: string;
  /** Chat source: adapter, workspace/guild, channel, user, message ref. */
  chat?: Record<string, unknown>;
  /** Parent execution (workflow or chain) and the task that spawned this one. */
  parent?: { execution_id: string; task_id?: string; route?: number; item_id?: number };
  /** Permission decisions recorded for the audit trail. */
  authorization?: Record<string, unknown>;
  notify_route?: string;
  [key: string]: unknown;
}

export interface StatusChange {
  status: ExecutionStatus;
  timestamp: string; // ISO
}

export interface OutputChunk {
  execution_id: string;
  seq: number;
  stream: 'stdout' | 'stderr' | 'log';
  data: string;
  timestamp: string;
}

/** The stored record of one execution. Parameters marked secret are masked in every view. */
export interface ExecutionRecord {
  id: string;
  action: string; // action ref
  runner: string; // runner_type
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  context: ExecutionContext;
  result?: unknown;
  log: StatusChange[];
  start_timestamp: string;
  end_timestamp?: string;
  parent?: string;
  /** Retry policy attempts: 0 for the first. */
  attempt?: number;
  /** Free-form bookkeeping for runners (workflow state pointer, inquiry id, ...). */
  runner_state?: Record<string, unknown>;
  /** Lease owner while running (process id + start), used for crash recovery. */
  lease?: string;
  /** When a delayed/scheduled execution may start (policies). */
  not_before?: string;
}
