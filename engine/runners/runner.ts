import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.ts';
import type {
  ActionDefinition,
  ExecutionContext,
  ExecutionRecord,
  ExecutionStatus,
  ParameterSchema,
} from '../model/index.ts';

/** What a runner may ask of the rest of the engine. Kept small so runners stay testable alone. */
export interface RunnerServices {
  events: EventBus;
  /** Request a child execution (workflows, chains). Resolves once it is recorded (not finished). */
  requestExecution(request: ExecutionRequest): Promise<ExecutionRecord>;
  /** Finish an execution that a runner left running/pending (async runners: workflows, inquiries). */
  completeExecution(id: string, status: ExecutionStatus, result?: unknown): Promise<void>;
  getExecution(id: string): ExecutionRecord | undefined;
  /** Optional: control another execution (workflows cascade cancel to children, pause/resume to sub-workflows). */
  cancelExecution?(id: string): Promise<unknown>;
  pauseExecution?(id: string): Promise<unknown>;
  resumeExecution?(id: string): Promise<unknown>;
  /** Pack config (config_context) for a pack, already validated and resolved. */
  packConfig(pack: string): Record<string, unknown>;
  /**
   * Datastore access for actions: system-scope keys, or with `scope: 'user'` the keys of `user` — the execution's
   * user, which the runner sets (an action cannot name another). Undefined until the datastore exists.
   */
  datastore?: {
    get(
      key: string,
      options?: { scope?: 'system' | 'user'; decrypt?: boolean; user?: string },
    ): Promise<unknown>;
    set(
      key: string,
      value: unknown,
      options?: { scope?: 'system' | 'user'; encrypt?: boolean; ttl?: number; user?: string },
    ): Promise<void>;
  };
}

export interface RunnerContext {
  executionId: string;
  action: ActionDefinition;
  /** Runner + action parameters, validated, rendered, cast and decrypted. */
  parameters: Record<string, unknown>;
  /** Names of parameters marked secret (values must not reach argv, logs or results). */
  secretParameters: ReadonlySet<string>;
  context: ExecutionContext;
  /** Aborted on timeout or cancel; runners must stop (kill process groups) when it fires. */
  signal: AbortSignal;
  /** Effective timeout in ms (already enforced by the caller through `signal`). */
  timeoutMs?: number;
  /**
   * Streams live output (captured, stored and broadcast by the caller; redacted there). `log` carries structured
   * log lines of an action (javascript runner), one JSON object per line.
   */
  output(stream: 'stdout' | 'stderr' | 'log', data: string): void;
  logger: Logger;
  services: RunnerServices;
  /** Registers a decrypted secret so it is redacted from output and the result. */
  addSecret(value: string): void;
  /** Maximum bytes of stdout/stderr kept in the result (each). */
  outputCapBytes: number;
  /** True when re-entered after a crash (idempotent re-run or workflow resume). */
  resumed: boolean;
  /** The stored record, for async runners that keep state in runner_state. */
  record: ExecutionRecord;
}

export interface RunnerResult {
  status: ExecutionStatus;
  result?: unknown;
}

/**
 * A runner executes one kind of action. Synchronous runners resolve with a terminal status.
 * Async runners (orquesta, inquirer) resolve with `running`/`pending`/`paused` and later call
 * `services.completeExecution`.
 */
export interface Runner {
  name: string;
  /** The runner's own parameter schema, merged with the action's overrides as StackStorm does. */
  parameters: ParameterSchema;
  /** Default timeout (seconds) when neither the action nor the request sets one. */
  defaultTimeoutSeconds?: number;
  run(ctx: RunnerContext): Promise<RunnerResult>;
  /** Async runners: cancel / pause / resume an execution they own. */
  cancel?(executionId: string): Promise<void>;
  pause?(executionId: string): Promise<void>;
  resume?(executionId: string): Promise<void>;
  /** Async runners: called on start-up for records they own that are not completed (crash recovery). */
  recover?(record: ExecutionRecord): Promise<void>;
}

/** A request to run an action. */
export interface ExecutionRequest {
  action: string;
  parameters?: Record<string, unknown>;
  context: ExecutionContext;
  /**
   * Parameters whose values came from outside (chat, webhooks, trigger payloads): they are data, never rendered
   * as templates, and shell-quoted wherever a shell-cmd template substitutes them.
   */
  untrustedParameters?: string[];
  /**
   * Secret values decrypted while the request was built (a rule's `{{ st2kv.system.k | decrypt_kv }}`): parameters
   * containing them are stored encrypted and masked, and the values are redacted from output.
   */
  secretValues?: string[];
  /** Idempotency key: a second request with the same key returns the first execution. */
  dedupeKey?: string;
  /** Id to use (e.g. re-runs); generated when absent. */
  id?: string;
}
