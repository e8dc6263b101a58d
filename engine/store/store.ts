import type {
  ExecutionRecord,
  ExecutionStatus,
  InquiryRecord,
  OutputChunk,
  RuleEnforcement,
  TriggerInstance,
  TriggerInstanceStatus,
} from '../model/index.ts';

export interface ExecutionQuery {
  action?: string;
  status?: ExecutionStatus | ExecutionStatus[];
  parent?: string;
  /** The user it ran for (`context.user`). */
  user?: string;
  /** The rule that requested it (`context.rule.ref`). */
  rule?: string;
  /** Started at or after this ISO-8601 UTC time. */
  since?: string;
  /** Started before this ISO-8601 UTC time. */
  until?: string;
  limit?: number;
  offset?: number;
  /** Newest first unless set. */
  order?: 'asc' | 'desc';
}

export interface ApiKeyRecord {
  id: string;
  name?: string;
  user: string;
  key_hash: string;
  created_at: string;
  enabled: boolean;
}

/** One row of a workflow's transition log (JSON text owned by engine/workflows/workflow-journal.ts). */
export interface WorkflowTransition {
  seq: number;
  entry: string;
}

/** A chat message the bot posted and may need to update after a restart. */
export interface ChatMessageRef {
  key: string; // e.g. `execution:<id>` or `inquiry:<id>`
  adapter: string;
  data: Record<string, unknown>;
  updated_at: string;
}

/**
 * Durable state. Everything a crash must not lose is written here before it is acted on.
 * The embedded implementation is SQLite (better-sqlite3, WAL); PostgreSQL can satisfy the same interface.
 * Methods are synchronous in the embedded store; the interface is async-free on purpose for the hot path,
 * a networked store wraps it with a write-behind queue.
 */
export interface Store {
  // executions
  insertExecution(record: ExecutionRecord): void;
  /** Replaces the record. Returns false when `expectedStatus` is given and does not match (compare-and-set). */
  updateExecution(record: ExecutionRecord, expectedStatus?: ExecutionStatus): boolean;
  getExecution(id: string): ExecutionRecord | undefined;
  listExecutions(query: ExecutionQuery): ExecutionRecord[];
  countExecutions(query: ExecutionQuery): number;
  /**
   * The execution recorded with this idempotency key (`context.dedupe_key`), if any. Optional: added for
   * ExecutionRequest.dedupeKey; a store that stores the key uniquely makes a racing duplicate insert throw.
   */
  findExecutionByDedupeKey?(key: string): ExecutionRecord | undefined;
  /** Optional: the lease of an execution (cheap read for lease fencing); null when none, undefined when absent. */
  getExecutionLease?(id: string): string | null | undefined;
  appendOutput(chunk: OutputChunk): void;
  listOutput(executionId: string, afterSeq?: number): OutputChunk[];

  // trigger instances
  insertTriggerInstance(instance: TriggerInstance): void;
  setTriggerInstanceStatus(id: string, status: TriggerInstanceStatus): void;
  getTriggerInstance(id: string): TriggerInstance | undefined;
  findTriggerInstanceByDedupeKey(key: string): TriggerInstance | undefined;
  listTriggerInstances(query: {
    trigger?: string;
    status?: TriggerInstanceStatus;
    limit?: number;
  }): TriggerInstance[];

  // rule enforcements
  insertRuleEnforcement(enforcement: RuleEnforcement): void;
  listRuleEnforcements(query: {
    rule?: string;
    trigger_instance_id?: string;
    limit?: number;
  }): RuleEnforcement[];

  // inquiries
  upsertInquiry(inquiry: InquiryRecord): void;
  /** Compare-and-set on status: returns false when the inquiry is no longer `pending`. */
  respondInquiry(id: string, response: Record<string, unknown>, respondedBy: string): boolean;
  getInquiry(id: string): InquiryRecord | undefined;
  listInquiries(query: { status?: string; limit?: number }): InquiryRecord[];

  // workflow state (opaque JSON owned by engine/workflows)
  saveWorkflowState(executionId: string, state: unknown): void;
  loadWorkflowState(executionId: string): unknown | undefined;
  /** Orquesta transition log: appends a row after the snapshot (a hot-path write, group-committed). */
  appendWorkflowTransition(executionId: string, seq: number, entry: string): void;
  /** The log rows with seq > afterSeq, oldest first. */
  listWorkflowTransitions(executionId: string, afterSeq: number): WorkflowTransition[];
  /** Replaces the workflow state with a snapshot (JSON text) and deletes the log rows it includes, atomically. */
  saveWorkflowSnapshot(executionId: string, state: string, throughSeq: number): void;

  // api keys
  insertApiKey(key: ApiKeyRecord): void;
  listApiKeys(): ApiKeyRecord[];
  findApiKeyByHash(hash: string): ApiKeyRecord | undefined;
  deleteApiKey(idOrName: string): boolean;

  // chat message references
  saveChatMessage(ref: ChatMessageRef): void;
  getChatMessage(key: string): ChatMessageRef | undefined;

  // generic small key/value for engine bookkeeping (rule enabled flags, timers' last fire, ...)
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;

  /**
   * Optional (group commit): commits writes batched for the current event-loop turn now. Callers about to cause
   * an outside effect that depends on them (start a runner, answer a client) may call it; no-op when unbatched.
   */
  flush?(): void;
  /** Optional (group commit): resolves once every write made so far is committed. */
  whenDurable?(): Promise<void>;
  /**
   * True when commits happen off this thread and in the order of the writes (SQLite writer-thread mode): work
   * that follows a write need not wait for its commit — a crash loses the later writes with the earlier — unless it
   * causes an outside effect (then `whenDurable`).
   */
  readonly orderedCommits?: boolean;
  /** Optional (ordered commits): starts committing the writes batched so far now, without waiting for it. */
  startCommit?(): void;

  /** Runs fn in one transaction. */
  transaction<T>(fn: () => T): T;

  /** Deletes executions, output, trigger instances and enforcements older than the given ISO times. */
  prune(before: { executions?: string; triggerInstances?: string; output?: string }): {
    executions: number;
    triggerInstances: number;
    output: number;
  };

  close(): void;
}
