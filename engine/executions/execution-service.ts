import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditLog } from '../audit/audit-log.ts';
import type { EngineConfig } from '../config/engine-config.ts';
import { SecretBox } from '../crypto/secret-box.ts';
import { EngineRequestError } from '../engine.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../log/logger.ts';
import type {
  ActionDefinition,
  ExecutionRecord,
  ExecutionStatus,
  OutputChunk,
  PolicyDefinition,
} from '../model/index.ts';
import { isCompleted } from '../model/index.ts';
import type {
  ExecutionRequest,
  Runner,
  RunnerContext,
  RunnerResult,
  RunnerServices,
} from '../runners/runner.ts';
import { newObjectId } from '../store/object-id.ts';
import type { ExecutionQuery, Store } from '../store/store.ts';
import { isoNow } from '../time/iso-now.ts';
import { killOrphanedProcessGroups } from './orphans.ts';
import { actionParameterSchema, resolveParameters } from './parameters.ts';
import { attributeKey, CONCURRENCY_STATUSES, type ConcurrencyPolicy, policiesFor } from './policies.ts';
import { MASK, Redactor, redactingLogger } from './redact.ts';

export interface ExecutionServiceDeps {
  store: Store;
  events: EventBus;
  getAction(ref: string): ActionDefinition | undefined;
  runners: Map<string, Runner>;
  policies?: () => PolicyDefinition[];
  secretBox: SecretBox;
  config: EngineConfig;
  logger: Logger;
  packConfig?(pack: string): Record<string, unknown>;
  /**
   * The pack's config resolved for one execution (datastore templates rendered as `user`; engine/pack-configs).
   * Used for `config_context` in parameter templates (needs `kvContext` too) and for the runner's
   * `services.packConfig`; every decrypted or secret value goes through `onDecrypted` into the redaction set.
   */
  resolvePackConfig?(
    pack: string,
    user: string | undefined,
    onDecrypted: (value: string) => void,
  ): Promise<Record<string, unknown>>;
  /** False for a pack with no config (schema or file): its runs skip resolving one. */
  packHasConfig?(pack: string): boolean;
  audit?: AuditLog;
  datastore?: RunnerServices['datastore'];
  /**
   * Template context for parameter rendering from the datastore (`{ st2kv, __decrypt_kv }` for `user`, e.g.
   * engine/datastore's buildSt2kvContext); values it decrypts are reported through `onDecrypted` and redacted.
   * Without it, `datastore.get` fills a plain `st2kv` object.
   */
  kvContext?(
    templates: string[],
    user: string,
    onDecrypted: (value: string) => void,
  ): Promise<Record<string, unknown>>;
  /** Lease owner written on running records; default `<hostname>:<pid>:<random>`. */
  processId?: string;
  /** After a timeout/cancel, how long a runner that ignores its AbortSignal is waited for. Default 5 s. */
  abortGraceMs?: number;
  /**
   * Recovery: kills process groups a dead worker's actions left running (default: found through
   * `ST2_ACTION_EXECUTION_ID` in /proc on Linux). Returns the number of groups killed.
   */
  reapOrphans?: (executionIds: ReadonlySet<string>) => number;
}

/** Called once per execution when it reaches a terminal status (masked view). */
export type CompletionListener = (record: ExecutionRecord) => void;

export interface ReRunOptions {
  /** Parameters replacing the stored ones (trusted unless listed in `untrustedParameters`). */
  parameters?: Record<string, unknown>;
  untrustedParameters?: string[];
  /** Merged into the new execution's context; `re_run` gets `ref` and may carry `tasks` for workflows. */
  context?: Record<string, unknown>;
}

export interface GcOptions {
  executionsBefore?: Date | string;
  triggerInstancesBefore?: Date | string;
  outputBefore?: Date | string;
}

interface Active {
  rec: ExecutionRecord;
  runner: Runner;
  /** Made on first use: most runs never look at their signal and are never aborted. */
  controller?: AbortController;
  redactor: Redactor;
  seq: number;
  /** Bytes of output stored per stream; past the cap output is counted, not stored. */
  outputBytes: Map<string, number>;
  /** Unredacted tail per stream that could be the start of a secret (see Redactor.holdback). */
  pending: Map<OutputChunk['stream'], string>;
  timer?: NodeJS.Timeout;
  timeoutSeconds?: number;
  abortKind?: 'timeout' | 'canceled' | 'abandoned';
  giveUp?: (result: RunnerResult) => void;
  graceTimer?: NodeJS.Timeout;
}

/** The run's AbortController, made on first use (by the runner reading its signal, or by an abort). */
function controllerOf(active: Active): AbortController {
  active.controller ??= new AbortController();
  return active.controller;
}

/** Internal context keys (bookkeeping, not shown as user context by callers that care). */
const SECRET_PARAMS_KEY = 'secret_parameters';
const REDACT_KEY = 'redact_values';
/** Runners with no outside effect: no need to commit a group-commit batch before they run. */
const EFFECT_FREE_RUNNERS = new Set(['noop']);
const ASYNC_STATUSES = new Set<ExecutionStatus>([
  'running',
  'pending',
  'paused',
  'pausing',
  'resuming',
  'canceling',
]);
const LIVE_STATUSES: ExecutionStatus[] = [
  'requested',
  'scheduled',
  'delayed',
  'running',
  'pending',
  'pausing',
  'paused',
  'resuming',
  'canceling',
];

function iso(date: Date | string | undefined): string | undefined {
  if (date === undefined) return undefined;
  return typeof date === 'string' ? date : date.toISOString();
}

const now = isoNow;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function daysAgo(days: number): string | undefined {
  return days > 0 ? new Date(Date.now() - days * 86_400_000).toISOString() : undefined;
}

/**
 * Runs actions: validates/renders parameters, records the execution before anything runs, schedules it under the
 * global cap and the action policies, runs it through its runner with timeout/cancel, redacts secrets from what
 * it stores, and recovers after a crash.
 *
 * Completion: every terminal transition emits `execution__update` on the bus AND calls `onCompleted` listeners
 * (rules engine for actiontrigger/notify, workflow runtime for child completion); both get the masked view.
 * Parameter errors throw `ParameterError` (HTTP 400) and record nothing, as st2's API does.
 */
export class ExecutionService {
  readonly services: RunnerServices;
  readonly processId: string;
  readonly #d: ExecutionServiceDeps;
  readonly #store: Store;
  readonly #maxParallel: number;
  readonly #abortGraceMs: number;
  readonly #active = new Map<string, Active>();
  readonly #queue: string[] = [];
  readonly #listeners = new Set<CompletionListener>();
  readonly #waiters = new Map<string, Array<(rec: ExecutionRecord) => void>>();
  readonly #delayTimers = new Map<string, NodeJS.Timeout>();
  #running = 0;
  #draining = false;
  readonly #delayedActions = new Set<string>();
  #idleWaiters: Array<() => void> = [];
  #delayPoll?: NodeJS.Timeout;

  constructor(deps: ExecutionServiceDeps) {
    this.#d = deps;
    this.#store = deps.store;
    this.#maxParallel = Math.max(1, deps.config.executions.maxParallel || 1);
    this.#abortGraceMs = deps.abortGraceMs ?? 5000;
    this.processId = deps.processId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.services = {
      events: deps.events,
      requestExecution: (req) => this.request(req),
      completeExecution: (id, status, result) => this.complete(id, status, result),
      getExecution: (id) => this.get(id),
      packConfig: (pack) => deps.packConfig?.(pack) ?? {},
      datastore: deps.datastore,
      // Workflows pass cancel/pause/resume on to their children.
      cancelExecution: async (id) => {
        await this.cancel(id);
      },
      pauseExecution: async (id) => {
        await this.pause(id);
      },
      resumeExecution: async (id) => {
        await this.resume(id);
      },
    };
  }

  // ---------------------------------------------------------------- requests

  /** Validates and renders parameters, records the execution (secrets encrypted) and schedules it. */
  async request(req: ExecutionRequest): Promise<ExecutionRecord> {
    return this.#request(req, []);
  }

  /** `keepSecret`: parameter names to keep encrypted/masked besides the schema's (re-runs of derived secrets). */
  async #request(req: ExecutionRequest, keepSecret: string[]): Promise<ExecutionRecord> {
    if (req.dedupeKey) {
      const existing = this.#findByDedupe(req.dedupeKey);
      if (existing) return this.#view(existing);
    }
    const action = this.#d.getAction(req.action);
    if (!action) throw new EngineRequestError(`action "${req.action}" not found`, 404);
    if (!action.enabled) throw new EngineRequestError(`action "${req.action}" is disabled`, 400);
    const runner = this.#d.runners.get(action.runner_type);
    if (!runner) {
      throw new EngineRequestError(
        `action "${action.ref}": runner "${action.runner_type}" is not available`,
        400,
      );
    }
    const { parameters, secretNames, decrypted } = await resolveParameters({
      action,
      runner,
      given: req.parameters,
      untrusted: req.untrustedParameters,
      context: this.#renderContext(action, req),
      kv: this.#d.datastore ? (scope, key) => this.#d.datastore!.get(key, { scope }) : undefined,
      templateContext: this.#templateContext(action, req),
    });
    let secrets = keepSecret.length ? new Set([...secretNames, ...keepSecret]) : secretNames;
    const given = (req.secretValues ?? []).filter((v) => v.length > 0);
    if (given.length) {
      // Values the requester decrypted (rule parameters): the parameters carrying them are secrets too.
      const widened = new Set(secrets);
      for (const [name, value] of Object.entries(parameters)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        if (text !== undefined && given.some((v) => text.includes(v))) widened.add(name);
      }
      secrets = widened;
    }
    return this.#create(action, runner, req, parameters, secrets, { decrypted: [...decrypted, ...given] });
  }

  /** Datastore values and (when a template reads it) the resolved pack config, for the templates about to render. */
  #templateContext(
    action: ActionDefinition,
    req: ExecutionRequest,
  ):
    | ((templates: string[], onDecrypted: (value: string) => void) => Promise<Record<string, unknown>>)
    | undefined {
    const { kvContext, resolvePackConfig } = this.#d;
    if (!kvContext) return undefined;
    return async (templates, onDecrypted) => {
      const data = await kvContext(templates, req.context.user, onDecrypted);
      if (resolvePackConfig && templates.some((t) => t.includes('config_context')))
        return {
          ...data,
          config_context: await resolvePackConfig(action.pack, req.context.user, onDecrypted),
        };
      return data;
    };
  }

  /** The runner's services with this execution's pack config resolved; a config error fails only what reads it. */
  async #runnerServices(
    action: ActionDefinition,
    rec: ExecutionRecord,
    redactor: Redactor,
  ): Promise<RunnerServices> {
    const resolve = this.#d.resolvePackConfig;
    if (!resolve || this.#d.packHasConfig?.(action.pack) === false) return this.services;
    let config: Record<string, unknown> = {};
    let failure: unknown;
    try {
      config = await resolve(action.pack, rec.context.user, (v) => redactor.add(v));
    } catch (error) {
      failure = error;
    }
    const services = this.services;
    return {
      ...services,
      packConfig(pack) {
        if (pack !== action.pack) return services.packConfig(pack);
        if (failure) throw failure;
        return config;
      },
    };
  }

  #renderContext(action: ActionDefinition, req: ExecutionRequest): Record<string, unknown> {
    const ctx: Record<string, unknown> = { action_context: req.context };
    if (this.#d.packConfig) ctx.config_context = this.#d.packConfig(action.pack);
    return ctx;
  }

  #findByDedupe(key: string): ExecutionRecord | undefined {
    const store = this.#store;
    if (store.findExecutionByDedupeKey) return store.findExecutionByDedupeKey(key);
    const id = store.getMeta(`execution-dedupe:${key}`);
    return id ? store.getExecution(id) : undefined;
  }

  #create(
    action: ActionDefinition,
    runner: Runner,
    req: ExecutionRequest,
    parameters: Record<string, unknown>,
    secretNames: ReadonlySet<string>,
    extra: { attempt?: number; notBefore?: string; decrypted?: string[] } = {},
  ): ExecutionRecord {
    const ts = now();
    const stored: Record<string, unknown> = { ...parameters };
    const encrypted: string[] = [];
    for (const name of secretNames) {
      if (stored[name] === undefined) continue;
      stored[name] = this.#d.secretBox.encryptJson(stored[name]);
      encrypted.push(name);
    }
    const context = { ...req.context };
    if (req.dedupeKey) context.dedupe_key = req.dedupeKey;
    if (encrypted.length) context[SECRET_PARAMS_KEY] = encrypted;
    else delete context[SECRET_PARAMS_KEY];
    // Datastore secrets decrypted while rendering: kept (encrypted) so output redaction survives re-runs/recovery.
    if (extra.decrypted?.length) context[REDACT_KEY] = this.#d.secretBox.encryptJson(extra.decrypted);
    const rec: ExecutionRecord = {
      id: req.id ?? newObjectId(),
      action: action.ref,
      runner: runner.name,
      status: 'requested',
      parameters: stored,
      context,
      log: [{ status: 'requested', timestamp: ts }],
      start_timestamp: ts,
    };
    if (context.parent?.execution_id) rec.parent = context.parent.execution_id;
    if (extra.attempt) rec.attempt = extra.attempt;

    const policies = policiesFor(this.#d.policies?.() ?? [], action.ref);
    // Hot path: nothing to decide, a slot is free → record it straight as running (each transition in `log`).
    const fast =
      !this.#draining &&
      !extra.notBefore &&
      policies.concurrency.length === 0 &&
      this.#running < this.#maxParallel;
    if (fast) {
      rec.status = 'running';
      rec.log.push({ status: 'scheduled', timestamp: ts }, { status: 'running', timestamp: ts });
      rec.lease = this.processId;
      this.#running++;
    } else if (extra.notBefore) {
      rec.status = 'delayed';
      rec.not_before = extra.notBefore;
      rec.log.push({ status: 'delayed', timestamp: ts });
    }
    try {
      this.#store.insertExecution(rec);
      if (req.dedupeKey && !this.#store.findExecutionByDedupeKey) {
        this.#store.setMeta(`execution-dedupe:${req.dedupeKey}`, rec.id);
      }
    } catch (error) {
      if (fast) this.#running--;
      const existing = req.dedupeKey ? this.#findByDedupe(req.dedupeKey) : undefined;
      if (existing) return this.#view(existing);
      if (req.id && this.#store.getExecution(req.id)) {
        throw new EngineRequestError(`execution "${req.id}" already exists`, 409);
      }
      throw error;
    }
    // One audit line for the coalesced transitions (each with its timestamp in `log`).
    this.#auditStatus(rec, rec.status, rec.log.length > 1 ? { log: rec.log } : {});
    if (this.#d.events.has('execution__create')) this.#d.events.emit('execution__create', this.#view(rec));

    if (fast) this.#start(rec, action, runner, parameters, false);
    else if (rec.status === 'delayed') this.#armDelay(rec);
    else if (!this.#draining) this.#admit(rec.id);
    return this.#view(rec);
  }

  // ---------------------------------------------------------------- scheduling

  /** requested/delayed → scheduled (or delayed/canceled by a concurrency policy), then queued for a slot. */
  #admit(id: string): void {
    if (this.#draining) return;
    const rec = this.#store.getExecution(id);
    if (!rec || (rec.status !== 'requested' && rec.status !== 'delayed')) return;
    if (rec.not_before && rec.not_before > now()) {
      this.#armDelay(rec);
      return;
    }
    const { concurrency } = policiesFor(this.#d.policies?.() ?? [], rec.action);
    const decide = () => {
      for (const policy of concurrency) {
        if (this.#concurrencyCount(policy, rec) >= policy.threshold) return policy;
      }
      const from = rec.status;
      const ts = now();
      rec.status = 'scheduled';
      rec.log = [...rec.log, { status: 'scheduled', timestamp: ts }];
      delete rec.not_before;
      return this.#store.updateExecution(rec, from) ? 'scheduled' : 'lost';
    };
    // Counting and scheduling share a transaction only when there is something to count: a lone compare-and-set
    // needs none (and with the server's writer thread a transaction waits for it).
    const outcome = concurrency.length > 0 ? this.#store.transaction(decide) : decide();
    if (outcome === 'lost') return;
    if (outcome === 'scheduled') {
      this.#auditStatus(rec, 'scheduled');
      this.#d.events.emit('execution__update', this.#view(rec));
      this.#queue.push(rec.id);
      this.#pump();
      return;
    }
    const policy = outcome;
    if (policy.action === 'cancel') {
      this.#finish(rec, 'canceled', {
        error: `canceled by policy "${policy.ref}": ${policy.threshold} execution(s) of "${rec.action}"${
          policy.attributes?.length ? ` with the same ${policy.attributes.join(', ')}` : ''
        } already active`,
      });
      return;
    }
    if (rec.status !== 'delayed') {
      const from = rec.status;
      rec.status = 'delayed';
      rec.log = [...rec.log, { status: 'delayed', timestamp: now() }];
      if (!this.#store.updateExecution(rec, from)) return;
      this.#auditStatus(rec, 'delayed', { policy: policy.ref });
      this.#d.events.emit('execution__update', this.#view(rec));
    }
    this.#delayedActions.add(rec.action);
    this.#armDelayPoll();
  }

  #concurrencyCount(policy: ConcurrencyPolicy, rec: ExecutionRecord): number {
    if (!policy.attributes?.length) {
      return this.#store.countExecutions({ action: rec.action, status: CONCURRENCY_STATUSES });
    }
    const key = attributeKey(policy, this.#decryptParameters(rec));
    let n = 0;
    for (const other of this.#store.listExecutions({ action: rec.action, status: CONCURRENCY_STATUSES })) {
      if (other.id !== rec.id && attributeKey(policy, this.#decryptParameters(other)) === key) n++;
    }
    return n;
  }

  #armDelay(rec: ExecutionRecord): void {
    if (this.#draining || this.#delayTimers.has(rec.id)) return;
    const wait = rec.not_before ? Math.max(0, Date.parse(rec.not_before) - Date.now()) : 0;
    const timer = setTimeout(() => {
      this.#delayTimers.delete(rec.id);
      this.#admit(rec.id);
    }, wait);
    timer.unref?.();
    this.#delayTimers.set(rec.id, timer);
  }

  /** Delayed-by-policy executions are re-checked when one of the action completes, and every second. */
  #armDelayPoll(): void {
    if (this.#delayPoll || this.#draining) return;
    this.#delayPoll = setInterval(() => {
      const delayed = this.#store.listExecutions({ status: 'delayed', order: 'asc', limit: 1000 });
      if (delayed.length === 0) {
        clearInterval(this.#delayPoll);
        this.#delayPoll = undefined;
        return;
      }
      for (const rec of delayed) if (!this.#delayTimers.has(rec.id)) this.#admit(rec.id);
    }, 1000);
    this.#delayPoll.unref?.();
  }

  #recheckDelayed(action: string): void {
    // Only actions known to have delayed executions are looked at (the hot path never queries).
    if (this.#draining || !this.#delayedActions.has(action)) return;
    const delayed = this.#store.listExecutions({ action, status: 'delayed', order: 'asc', limit: 100 });
    if (delayed.length === 0) this.#delayedActions.delete(action);
    for (const rec of delayed) {
      if (this.#delayTimers.has(rec.id)) continue;
      this.#admit(rec.id);
      if (this.#store.getExecution(rec.id)?.status === 'delayed') break;
    }
  }

  /** scheduled → running while slots are free. */
  #pump(): void {
    while (!this.#draining && this.#running < this.#maxParallel && this.#queue.length > 0) {
      const id = this.#queue.shift()!;
      const rec = this.#store.getExecution(id);
      if (rec?.status !== 'scheduled') continue;
      const action = this.#d.getAction(rec.action);
      const runner = this.#d.runners.get(rec.runner);
      rec.status = 'running';
      rec.log = [...rec.log, { status: 'running', timestamp: now() }];
      rec.lease = this.processId;
      if (!this.#store.updateExecution(rec, 'scheduled')) continue;
      this.#running++;
      this.#auditStatus(rec, 'running');
      this.#d.events.emit('execution__update', this.#view(rec));
      if (!action || !runner) {
        this.#running--;
        this.#finish(rec, 'failed', {
          error: action
            ? `runner "${rec.runner}" is not available`
            : `action "${rec.action}" no longer exists`,
        });
        continue;
      }
      this.#start(rec, action, runner, this.#decryptParameters(rec), false);
    }
  }

  #releaseSlot(): void {
    this.#running = Math.max(0, this.#running - 1);
    this.#pump();
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#active.size === 0 && this.#idleWaiters.length) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  // ---------------------------------------------------------------- running

  /** Runs in the background; a store failure while finishing is logged, never an unhandled rejection. */
  #start(
    rec: ExecutionRecord,
    action: ActionDefinition,
    runner: Runner,
    parameters: Record<string, unknown>,
    resumed: boolean,
  ): void {
    this.#run(rec, action, runner, parameters, resumed).catch((error) => {
      const active = this.#active.get(rec.id);
      if (active) {
        clearTimeout(active.timer);
        clearTimeout(active.graceTimer);
        this.#active.delete(rec.id);
      }
      this.#d.logger.error({ err: error, execution_id: rec.id }, 'execution bookkeeping failed');
      this.#running = Math.max(0, this.#running - 1);
      this.#checkIdle();
    });
  }

  async #run(
    rec: ExecutionRecord,
    action: ActionDefinition,
    runner: Runner,
    parameters: Record<string, unknown>,
    resumed: boolean,
  ): Promise<void> {
    const redactor = this.#redactorFor(rec, parameters);
    const active: Active = {
      rec,
      runner,
      redactor,
      seq: resumed ? (this.#store.listOutput(rec.id).at(-1)?.seq ?? -1) + 1 : 0,
      outputBytes: new Map(),
      pending: new Map(),
    };
    this.#active.set(rec.id, active);
    const timeoutParam = parameters.timeout;
    const seconds =
      typeof timeoutParam === 'number' && timeoutParam > 0
        ? timeoutParam
        : runner.defaultTimeoutSeconds || undefined;
    if (seconds) {
      active.timeoutSeconds = seconds;
      active.timer = setTimeout(() => this.#abort(active, 'timeout'), seconds * 1000);
      active.timer.unref?.();
    }
    // The per-execution child logger is made when something logs (a noop run at thousands/s never does).
    // Methods rather than arrow functions here and in the runner context: tsx names every arrow function kept in a
    // variable or property with a defineProperty call (esbuild's keepNames), a cost paid per execution.
    const service = this;
    const lazy = {
      runLogger: undefined as Logger | undefined,
      logger(): Logger {
        this.runLogger ??= redactingLogger(
          service.#d.logger.child({ execution_id: rec.id, action: rec.action, runner: runner.name }),
          redactor,
        );
        return this.runLogger;
      },
    };
    let outcome: RunnerResult;
    if (action.load_errors?.length) {
      outcome = {
        status: 'failed',
        result: { error: action.load_errors.join('; '), errors: action.load_errors },
      };
    } else {
      const ctx: RunnerContext = {
        executionId: rec.id,
        action,
        parameters,
        secretParameters: new Set((rec.context[SECRET_PARAMS_KEY] as string[] | undefined) ?? []),
        context: rec.context,
        get signal() {
          return controllerOf(active).signal;
        },
        timeoutMs: seconds ? seconds * 1000 : undefined,
        output(stream, data) {
          service.#output(active, stream, data);
        },
        get logger() {
          return lazy.logger();
        },
        services: await this.#runnerServices(action, rec, redactor),
        addSecret(value) {
          redactor.add(value);
        },
        outputCapBytes: this.#d.config.executions.outputCapBytes,
        resumed,
        record: rec,
      };
      const giveUp = new Promise<RunnerResult>((resolve) => {
        active.giveUp = resolve;
      });
      // Group commit: the record must be committed before a runner can cause an outside effect.
      if (!EFFECT_FREE_RUNNERS.has(runner.name)) await this.#committed();
      try {
        // Canceled (or timed out) while its record was being committed: it never starts.
        outcome = active.abortKind
          ? { status: active.abortKind }
          : await Promise.race([runner.run(ctx), giveUp]);
      } catch (error) {
        lazy.logger().warn({ err: error }, 'runner threw');
        outcome = { status: 'failed', result: { error: redactor.text(message(error)) } };
      }
    }
    clearTimeout(active.timer);
    clearTimeout(active.graceTimer);
    this.#flushOutput(active);
    this.#active.delete(rec.id);

    let status = outcome.status;
    let result = outcome.result;
    if (active.abortKind) {
      status = active.abortKind;
      const error =
        active.abortKind === 'timeout'
          ? `Action failed to complete in ${active.timeoutSeconds} seconds`
          : active.abortKind === 'canceled'
            ? 'Execution was canceled'
            : 'Squall shut down before the action finished';
      result =
        result && typeof result === 'object' && !Array.isArray(result) ? { error, ...result } : { error };
    }
    if (isCompleted(rec.status)) {
      // Finished meanwhile (drain, or an async runner completed itself from inside run()).
      this.#releaseSlot();
      return;
    }
    if (!isCompleted(status) && ASYNC_STATUSES.has(status)) {
      // Async runner (workflow, inquiry): it completes later through complete(); free the slot so children run.
      const from = rec.status;
      if (status !== from || result !== undefined) {
        rec.status = status;
        if (status !== from) rec.log = [...rec.log, { status, timestamp: now() }];
        if (result !== undefined) rec.result = redactor.deep(result);
        if (this.#store.updateExecution(rec, from)) {
          if (status !== from) this.#auditStatus(rec, status);
          this.#d.events.emit('execution__update', this.#view(rec));
        }
      } else {
        this.#store.updateExecution(rec, from); // runner_state the runner may have set on ctx.record
      }
      this.#releaseSlot();
      return;
    }
    if (!isCompleted(status)) {
      status = 'failed';
      result = { error: `runner "${runner.name}" returned a non-final status "${outcome.status}"`, result };
    }
    this.#finish(rec, status, redactor.deep(result));
    this.#releaseSlot();
  }

  /**
   * Resolves once every write so far is committed. Commits off this thread (the server's writer thread) are waited
   * for without blocking the event loop; a store that commits on this thread does it now.
   */
  async #committed(): Promise<void> {
    if (this.#store.orderedCommits && this.#store.whenDurable) await this.#store.whenDurable();
    else this.#store.flush?.();
  }

  #abort(active: Active, kind: 'timeout' | 'canceled' | 'abandoned'): void {
    if (active.abortKind) return;
    active.abortKind = kind;
    const reason =
      kind === 'timeout'
        ? new DOMException(`timed out after ${active.timeoutSeconds} s`, 'TimeoutError')
        : new DOMException(kind === 'canceled' ? 'canceled' : 'shutting down', 'AbortError');
    controllerOf(active).abort(reason);
    // A runner that ignores the signal is not waited for forever.
    active.graceTimer = setTimeout(() => active.giveUp?.({ status: kind }), this.#abortGraceMs);
    active.graceTimer.unref?.();
  }

  #output(active: Active, stream: OutputChunk['stream'], data: string): void {
    if (!data) return;
    // Stored/broadcast output is capped per stream (a runaway action must not fill the database or the chat).
    const cap = this.#d.config.executions.outputCapBytes;
    if (cap > 0) {
      const before = active.outputBytes.get(stream) ?? 0;
      const after = before + Buffer.byteLength(data);
      active.outputBytes.set(stream, after);
      if (before >= cap) return;
      if (after > cap) data = `${data}\n[squall: ${stream} beyond ${cap} bytes is not stored]\n`;
    }
    const text = (active.pending.get(stream) ?? '') + data;
    const cut = active.redactor.holdback(text);
    active.pending.set(stream, text.slice(cut));
    if (cut > 0) this.#emitOutput(active, stream, text.slice(0, cut));
  }

  #flushOutput(active: Active): void {
    for (const [stream, rest] of active.pending) if (rest) this.#emitOutput(active, stream, rest);
    active.pending.clear();
  }

  #emitOutput(active: Active, stream: OutputChunk['stream'], data: string): void {
    const chunk: OutputChunk = {
      execution_id: active.rec.id,
      seq: active.seq++,
      stream,
      data: active.redactor.text(data),
      timestamp: now(),
    };
    this.#store.appendOutput(chunk);
    this.#d.events.emit('execution__output', chunk);
  }

  /** Writes a terminal status (CAS from the status last seen), then notifies. Returns false on a lost race. */
  #finish(rec: ExecutionRecord, status: ExecutionStatus, result: unknown): boolean {
    const ts = now();
    let from = rec.status;
    // Lease and not_before end with the run (left out rather than deleted: `delete` slows every later copy).
    const { lease: _lease, not_before: _notBefore, ...kept } = rec;
    const next: ExecutionRecord = {
      ...kept,
      status,
      log: [...rec.log, { status, timestamp: ts }],
      end_timestamp: ts,
    };
    if (result !== undefined) next.result = result;
    // Lease fencing: a worker whose lease was taken over (recovered elsewhere) must not write the outcome.
    const heldLease = rec.lease;
    if (this.#leaseTaken(rec.id, heldLease)) {
      this.#d.logger.warn(
        { execution_id: rec.id, status, lease: heldLease },
        'stale lease: outcome write rejected',
      );
      this.#d.audit?.record({
        kind: 'lease.rejected',
        actor: 'system',
        execution_id: rec.id,
        status,
        lease: heldLease,
      });
      const current = this.#store.getExecution(rec.id);
      if (current) Object.assign(rec, current);
      return false;
    }
    let ok = this.#store.updateExecution(next, from);
    if (!ok) {
      // Our copy may be stale (e.g. canceling was written through another path): retry once if still live.
      const current = this.#store.getExecution(rec.id);
      if (current && !isCompleted(current.status)) {
        from = current.status;
        next.log = [...current.log, { status, timestamp: ts }];
        next.runner_state = current.runner_state;
        ok = this.#store.updateExecution(next, from);
      }
      if (!ok) {
        this.#d.logger.warn(
          { execution_id: rec.id, status, current: current?.status },
          'stale status write rejected (execution already completed)',
        );
        this.#d.audit?.record({
          kind: 'lease.rejected',
          actor: 'system',
          execution_id: rec.id,
          status,
          current: current?.status,
        });
        if (current) Object.assign(rec, current);
        return false;
      }
    }
    Object.assign(rec, next);
    if (next.lease === undefined) delete rec.lease;
    if (next.not_before === undefined) delete rec.not_before;
    // `rec` now holds what `next` holds, but `delete` made it a slow (dictionary-mode) object: read from `next`.
    this.#auditStatus(next, status);
    const view = this.#view(next);
    this.#d.events.emit('execution__update', view);
    for (const listener of this.#listeners) {
      try {
        listener(view);
      } catch (error) {
        this.#d.logger.error({ err: error, execution_id: rec.id }, 'completion listener failed');
      }
    }
    const waiters = this.#waiters.get(rec.id);
    if (waiters) {
      this.#waiters.delete(rec.id);
      for (const w of waiters) w(view);
    }
    if (status === 'failed' || status === 'timeout') this.#maybeRetry(rec);
    this.#recheckDelayed(rec.action);
    this.#checkIdle();
    return true;
  }

  /** True when `heldLease` was taken over (the execution recovered elsewhere): its outcome must not be written. */
  #leaseTaken(id: string, heldLease: string | undefined): boolean {
    if (!heldLease || !this.#store.getExecutionLease) return false;
    const current = this.#store.getExecutionLease(id);
    return current !== undefined && current !== null && current !== heldLease;
  }

  #maybeRetry(rec: ExecutionRecord): void {
    const policy = policiesFor(this.#d.policies?.() ?? [], rec.action).retry.find(
      (p) =>
        (p.retryOn === 'failure' && rec.status === 'failed') ||
        (p.retryOn === 'timeout' && rec.status === 'timeout'),
    );
    if (!policy) return;
    const attempt = (rec.attempt ?? 0) + 1;
    if (attempt > policy.maxRetryCount) return;
    const action = this.#d.getAction(rec.action);
    const runner = action && this.#d.runners.get(action.runner_type);
    if (!action || !runner) return;
    const context = { ...rec.context };
    delete context.dedupe_key;
    context.retry = { policy: policy.ref, retried_execution: rec.id, attempt };
    const secretNames = new Set((rec.context[SECRET_PARAMS_KEY] as string[] | undefined) ?? []);
    try {
      this.#create(
        action,
        runner,
        { action: rec.action, context },
        this.#decryptParameters(rec),
        secretNames,
        {
          attempt,
          notBefore:
            policy.delaySeconds > 0
              ? new Date(Date.now() + policy.delaySeconds * 1000).toISOString()
              : undefined,
        },
      );
    } catch (error) {
      this.#d.logger.error(
        { err: error, execution_id: rec.id },
        'retry policy could not create the new execution',
      );
    }
  }

  // ---------------------------------------------------------------- async runners and control

  /** Completes (or moves) an execution left running/pending/paused by an async runner. Idempotent on completed. */
  async complete(id: string, status: ExecutionStatus, result?: unknown): Promise<void> {
    const rec = this.#active.get(id)?.rec ?? this.#store.getExecution(id);
    if (!rec) throw new EngineRequestError(`execution "${id}" not found`, 404);
    if (isCompleted(rec.status)) {
      this.#d.logger.debug(
        { execution_id: id, status, current: rec.status },
        'complete() on a completed execution',
      );
      return;
    }
    const redactor = this.#active.get(id)?.redactor ?? this.#redactorFor(rec, this.#decryptParameters(rec));
    if (isCompleted(status)) {
      this.#finish(rec, status, redactor.deep(result));
      return;
    }
    const from = rec.status;
    if (status === from && result === undefined) return;
    rec.status = status;
    if (status !== from) rec.log = [...rec.log, { status, timestamp: now() }];
    if (result !== undefined) rec.result = redactor.deep(result);
    if (!this.#store.updateExecution(rec, from)) {
      Object.assign(rec, this.#store.getExecution(id));
      return;
    }
    if (status !== from) this.#auditStatus(rec, status);
    this.#d.events.emit('execution__update', this.#view(rec));
  }

  /** Cancels (requested/scheduled/delayed at once; running through its signal or its async runner). */
  async cancel(id: string, options: { actor?: string } = {}): Promise<ExecutionRecord> {
    const active = this.#active.get(id);
    const rec = active?.rec ?? this.#store.getExecution(id);
    if (!rec) throw new EngineRequestError(`execution "${id}" not found`, 404);
    if (isCompleted(rec.status)) return this.#view(rec);
    this.#auditControl(rec, 'cancel', options.actor);
    if (rec.status === 'requested' || rec.status === 'scheduled' || rec.status === 'delayed') {
      clearTimeout(this.#delayTimers.get(id));
      this.#delayTimers.delete(id);
      this.#finish(rec, 'canceled', { error: 'Execution was canceled before it started' });
      return this.#view(rec);
    }
    const runner = this.#d.runners.get(rec.runner);
    if (active || runner?.cancel) {
      if (rec.status !== 'canceling') this.#transition(rec, 'canceling');
      if (active) this.#abort(active, 'canceled');
      else await runner!.cancel!(id);
      return this.#view(this.#store.getExecution(id) ?? rec);
    }
    // Nothing in this process runs it and its runner cannot be asked: mark it canceled.
    this.#finish(rec, 'canceled', { error: 'Execution was canceled' });
    return this.#view(rec);
  }

  async pause(id: string, options: { actor?: string } = {}): Promise<ExecutionRecord> {
    return this.#pauseResume(id, 'pause', options.actor);
  }

  async resume(id: string, options: { actor?: string } = {}): Promise<ExecutionRecord> {
    return this.#pauseResume(id, 'resume', options.actor);
  }

  #auditControl(rec: ExecutionRecord, op: string, actor: string | undefined): void {
    this.#d.audit?.record({
      kind: `execution.${op}`,
      execution_id: rec.id,
      actor: actor ?? rec.context?.user ?? 'unknown',
      action: rec.action,
      status: rec.status,
    });
  }

  async #pauseResume(id: string, op: 'pause' | 'resume', actor?: string): Promise<ExecutionRecord> {
    const rec = this.#store.getExecution(id);
    if (!rec) throw new EngineRequestError(`execution "${id}" not found`, 404);
    const runner = this.#d.runners.get(rec.runner);
    const fn = op === 'pause' ? runner?.pause : runner?.resume;
    if (!runner || !fn) {
      throw new EngineRequestError(`execution "${id}": runner "${rec.runner}" does not support ${op}`, 409);
    }
    const expected = op === 'pause' ? ['running', 'pending'] : ['paused', 'pausing'];
    if (!expected.includes(rec.status)) {
      throw new EngineRequestError(`execution "${id}" is ${rec.status}; it cannot be ${op}d`, 409);
    }
    this.#auditControl(rec, op, actor);
    this.#transition(rec, op === 'pause' ? 'pausing' : 'resuming');
    await fn.call(runner, id);
    return this.#view(this.#store.getExecution(id) ?? rec);
  }

  /** A non-terminal CAS transition, audited and announced. */
  #transition(rec: ExecutionRecord, status: ExecutionStatus): boolean {
    const from = rec.status;
    const next = { ...rec, status, log: [...rec.log, { status, timestamp: now() }] };
    if (!this.#store.updateExecution(next, from)) return false;
    Object.assign(rec, next);
    this.#auditStatus(rec, status);
    this.#d.events.emit('execution__update', this.#view(rec));
    return true;
  }

  /** A new execution with the stored (decrypted) parameters; stored values are data (never re-rendered). */
  async reRun(id: string, options: ReRunOptions = {}): Promise<ExecutionRecord> {
    const rec = this.#store.getExecution(id);
    if (!rec) throw new EngineRequestError(`execution "${id}" not found`, 404);
    const action = this.#d.getAction(rec.action);
    const runner = action && this.#d.runners.get(action.runner_type);
    const stored = this.#decryptParameters(rec);
    const given: Record<string, unknown> = {};
    const schema = action && runner ? actionParameterSchema(action, runner).schema : {};
    for (const [name, value] of Object.entries(stored)) {
      if (schema[name]?.immutable || !(name in schema)) continue;
      given[name] = value;
    }
    const overrides = options.parameters ?? {};
    const untrusted = new Set(options.untrustedParameters ?? []);
    for (const name of Object.keys(given)) if (!(name in overrides)) untrusted.add(name);
    Object.assign(given, overrides);
    const extra = options.context ?? {};
    const context = {
      ...rec.context,
      ...extra,
      re_run: { ...((extra.re_run as Record<string, unknown> | undefined) ?? {}), ref: id },
    } as ExecutionRecord['context'];
    delete context.dedupe_key;
    delete context[SECRET_PARAMS_KEY];
    delete context.retry;
    delete context.recovery;
    const keepSecret = this.#secretNames(rec).filter((n) => n in given && !(n in overrides));
    return this.#request(
      { action: rec.action, parameters: given, context, untrustedParameters: [...untrusted] },
      keepSecret,
    );
  }

  // ---------------------------------------------------------------- reads

  get(id: string, options: { showSecrets?: boolean } = {}): ExecutionRecord | undefined {
    const rec = this.#active.get(id)?.rec ?? this.#store.getExecution(id);
    return rec ? this.#view(rec, options.showSecrets) : undefined;
  }

  list(query: ExecutionQuery): ExecutionRecord[] {
    return this.#store.listExecutions(query).map((r) => this.#view(r));
  }

  output(id: string, afterSeq?: number): OutputChunk[] {
    return this.#store.listOutput(id, afterSeq);
  }

  children(id: string): ExecutionRecord[] {
    return this.list({ parent: id, order: 'asc' });
  }

  onCompleted(listener: CompletionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the masked record once the execution is completed. */
  waitFor(id: string): Promise<ExecutionRecord> {
    const rec = this.get(id);
    if (!rec) return Promise.reject(new EngineRequestError(`execution "${id}" not found`, 404));
    if (isCompleted(rec.status)) return Promise.resolve(rec);
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** Executions running in this process right now. */
  get runningCount(): number {
    return this.#active.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Start-up recovery. Records whose lease belongs to a live process on this host are left alone; for the rest:
   * requested → admitted again, scheduled → queued, delayed → re-armed; running/paused/... of an async runner →
   * `runner.recover(record)`; running + `idempotent` action → run again (same id, `context.recovery` notes it);
   * other running → `abandoned` (result says why); pending (inquiry, no recover) stays pending.
   */
  async recover(): Promise<{ requeued: number; rerun: number; abandoned: number; delegated: number }> {
    const counts = { requeued: 0, rerun: 0, abandoned: 0, delegated: 0 };
    const live = this.#store
      .listExecutions({ status: LIVE_STATUSES, order: 'asc' })
      .filter((rec) => !this.#active.has(rec.id))
      .filter((rec) => !rec.lease || rec.lease === this.processId || !leaseAlive(rec.lease));
    // Processes a dead worker started keep running (own process groups): stop them before re-running or
    // abandoning, so an abandoned action has no later effect and an idempotent one runs once at a time.
    const orphaned = new Set(
      live.filter((r) => !this.#d.runners.get(r.runner)?.recover && r.lease !== undefined).map((r) => r.id),
    );
    if (orphaned.size > 0) {
      const killed = (this.#d.reapOrphans ?? killOrphanedProcessGroups)(orphaned);
      if (killed > 0)
        this.#d.logger.warn({ groups: killed }, 'killed process groups left by the previous process');
    }
    for (const rec of live) {
      try {
        await this.#recoverOne(rec, counts);
      } catch (error) {
        this.#d.logger.error({ err: error, execution_id: rec.id }, 'recovery failed; abandoning');
        this.#finish(rec, 'abandoned', { error: `recovery failed: ${message(error)}` });
        counts.abandoned++;
      }
    }
    this.#pump();
    return counts;
  }

  async #recoverOne(
    rec: ExecutionRecord,
    counts: { requeued: number; rerun: number; abandoned: number; delegated: number },
  ): Promise<void> {
    switch (rec.status) {
      case 'requested':
        counts.requeued++;
        this.#admit(rec.id);
        return;
      case 'scheduled':
        counts.requeued++;
        this.#queue.push(rec.id);
        return;
      case 'delayed':
        counts.requeued++;
        this.#delayedActions.add(rec.action);
        if (rec.not_before) this.#armDelay(rec);
        else this.#admit(rec.id);
        return;
    }
    const runner = this.#d.runners.get(rec.runner);
    const action = this.#d.getAction(rec.action);
    const previousLease = rec.lease;
    if (runner?.recover) {
      rec.lease = this.processId;
      this.#store.updateExecution(rec, rec.status);
      counts.delegated++;
      await runner.recover(rec);
      return;
    }
    if (rec.status === 'pending') return; // waiting for a human answer; nothing was running
    if (rec.status === 'running' && action?.idempotent && runner && !this.#draining) {
      const recovery = (rec.context.recovery as { count?: number } | undefined) ?? {};
      const next: ExecutionRecord = {
        ...rec,
        lease: this.processId,
        context: {
          ...rec.context,
          recovery: { count: (recovery.count ?? 0) + 1, previous_lease: previousLease, at: now() },
        },
        log: [...rec.log, { status: 'running', timestamp: now() }],
      };
      if (!this.#store.updateExecution(next, 'running')) return;
      this.#auditStatus(next, 'running', { recovered: true });
      counts.rerun++;
      this.#running++;
      this.#start(next, action, runner, this.#decryptParameters(next), true);
      return;
    }
    if (rec.status === 'canceling') {
      this.#finish(rec, 'canceled', { error: 'Execution was canceled (completed during recovery)' });
      counts.abandoned++;
      return;
    }
    const why = action?.idempotent
      ? `its runner "${rec.runner}" is not available`
      : `it was not re-run because action "${rec.action}" is not marked idempotent`;
    this.#finish(rec, 'abandoned', {
      error: `Squall stopped while this execution was ${rec.status} (lease ${previousLease ?? 'none'}); ${why}`,
    });
    counts.abandoned++;
  }

  /** SIGTERM: take no new work, let running executions finish for `graceMs`, then mark the rest abandoned. */
  async drain(graceMs = this.#d.config.executions.drainSeconds * 1000): Promise<{ abandoned: number }> {
    this.#draining = true;
    for (const t of this.#delayTimers.values()) clearTimeout(t);
    this.#delayTimers.clear();
    clearInterval(this.#delayPoll);
    this.#delayPoll = undefined;
    this.#queue.length = 0; // scheduled records stay scheduled in the store: the next start queues them
    if (this.#active.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref?.();
        this.#idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    let abandoned = 0;
    for (const active of [...this.#active.values()]) {
      this.#abort(active, 'abandoned');
      this.#flushOutput(active);
      if (this.#finish(active.rec, 'abandoned', { error: 'Squall shut down before the action finished' }))
        abandoned++;
    }
    return { abandoned };
  }

  /** Deletes old completed executions, trigger instances and output (defaults: config.retention). */
  gc(options: GcOptions = {}): { executions: number; triggerInstances: number; output: number } {
    const r = this.#d.config.retention;
    return this.#store.prune({
      executions: iso(options.executionsBefore) ?? daysAgo(r.executionsDays),
      triggerInstances: iso(options.triggerInstancesBefore) ?? daysAgo(r.triggerInstancesDays),
      output: iso(options.outputBefore) ?? daysAgo(r.outputDays),
    });
  }

  // ---------------------------------------------------------------- helpers

  #secretNames(rec: ExecutionRecord): string[] {
    const names = rec.context?.[SECRET_PARAMS_KEY];
    return Array.isArray(names) ? (names as string[]) : [];
  }

  #decryptParameters(rec: ExecutionRecord): Record<string, unknown> {
    const names = this.#secretNames(rec);
    if (names.length === 0) return rec.parameters;
    const out = { ...rec.parameters };
    for (const name of names) {
      const value = out[name];
      if (SecretBox.isCiphertext(value)) out[name] = this.#d.secretBox.decryptJson(value);
    }
    return out;
  }

  #redactorFor(rec: ExecutionRecord, parameters: Record<string, unknown>): Redactor {
    const redactor = new Redactor();
    for (const name of this.#secretNames(rec)) redactor.add(parameters[name]);
    const extra = rec.context?.[REDACT_KEY];
    if (SecretBox.isCiphertext(extra)) {
      const values = this.#d.secretBox.decryptJson(extra);
      if (Array.isArray(values)) for (const v of values) redactor.add(v);
    }
    return redactor;
  }

  /** The masked (or, with showSecrets, decrypted) copy every reader and event gets. */
  #view(rec: ExecutionRecord, showSecrets = false): ExecutionRecord {
    const names = this.#secretNames(rec);
    let parameters = rec.parameters;
    if (names.length) {
      parameters = showSecrets ? this.#decryptParameters(rec) : { ...rec.parameters };
      if (!showSecrets) for (const n of names) if (n in parameters) parameters[n] = MASK;
    }
    // Spread, then set: a spread that also overrides keys is ~2× slower, and a view is made per status change.
    const view = { ...rec };
    view.parameters = parameters;
    view.log = [...rec.log];
    return view;
  }

  #auditStatus(rec: ExecutionRecord, status: ExecutionStatus, extra: Record<string, unknown> = {}): void {
    this.#d.audit?.record({
      kind: 'execution.status',
      execution_id: rec.id,
      actor: rec.context?.user ?? 'unknown',
      action: rec.action,
      status,
      ...(rec.context?.api_user ? { api_user: rec.context.api_user } : {}),
      ...(rec.context?.rule ? { rule: rec.context.rule.ref } : {}),
      ...(rec.context?.trigger_instance ? { trigger_instance_id: rec.context.trigger_instance.id } : {}),
      ...extra,
    });
  }
}

/** A lease `<host>:<pid>:<nonce>` is alive when it is on this host and that pid (not us) still exists. */
export function leaseAlive(lease: string): boolean {
  const [host, pidText] = lease.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
