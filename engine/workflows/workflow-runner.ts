/**
 * The durable Orquesta runtime: the `orquesta` runner. A workflow execution is a WorkflowRun (a Conductor plus
 * the children it asked for) kept in memory between steps and in the Store through its journal (a snapshot plus
 * one row per step, see workflow-journal.ts); each step's row is written before anything it leads to is acted on.
 * Each task action is a child execution requested through `services.requestExecution` (with
 * `context.parent = {execution_id, task_id, route, item_id}` and an idempotency key, so a re-request after a crash
 * returns the same child). The runtime advances when a child finishes: the execution service (or
 * `attachWorkflowRunner`) calls `onChildCompleted(child)`. After a restart a workflow is rebuilt from its snapshot
 * and rows.
 *
 * Result of a workflow execution (as st2): `{output}` on success, `{output, errors}` otherwise.
 */

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ExpressionFunction } from '../expressions/index.ts';
import type { ActionDefinition, ExecutionRecord, ExecutionStatus } from '../model/index.ts';
import { KeyedLock } from '../runners/keyed-lock.ts';
import type { Runner, RunnerContext, RunnerResult, RunnerServices } from '../runners/runner.ts';
import type { Store } from '../store/store.ts';
import { Conductor, isCompletedStatus, type RerunRequest } from './conductor.ts';
import { inspectionErrors, inspectWorkflow } from './inspector.ts';
import { KvCache } from './kv-cache.ts';
import { parseWorkflow, type WorkflowSpec } from './spec.ts';
import { ABENDED_STATUSES } from './statuses.ts';
import { LiveEnv, ReplayEnv } from './step-env.ts';
import { truthy } from './workflow-expressions.ts';
import { WorkflowJournal } from './workflow-journal.ts';
import {
  type StepCause,
  type StepOutcome,
  type StepRow,
  type WorkflowChild,
  WorkflowRun,
  type WorkflowRunState,
} from './workflow-run.ts';

export type { WorkflowChild, WorkflowRunState } from './workflow-run.ts';

export interface WorkflowRunnerOptions {
  store: Store;
  /** Used by onChildCompleted/recover before the first run() supplies them (the execution service's). */
  services?: RunnerServices;
  logger?: Logger;
  /** Reads a workflow definition (default: the action's entry_point_path from disk). */
  loadDefinition?: (action: ActionDefinition) => string;
  /** Extra expression functions per workflow (e.g. a cached st2kv). */
  functions?: (record: ExecutionRecord) => Record<string, ExpressionFunction> | undefined;
  /** Base URL st2 workflows read as ctx(st2).api_url. */
  apiUrl?: string;
  /** Timer for task delays (tests pass a fake). */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
  /** Workflows kept in memory between steps (others are rebuilt from the Store when they next move). */
  maxLiveWorkflows?: number;
}

const TERMINAL_CHILD: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'timeout',
  'canceled',
  'abandoned',
]);
/** Non-terminal child statuses that change the task: an inquiry waits, a sub-workflow pauses or resumes. */
const CHILD_UPDATES: ReadonlySet<string> = new Set(['pending', 'paused', 'running']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A workflow between steps: its state in memory, its journal position, the st2kv values it reads. */
interface LiveWorkflow {
  run: WorkflowRun;
  journal: WorkflowJournal;
  kv: KvCache;
  /** The runtime's expression functions for this workflow (real ones; steps call them through a LiveEnv). */
  functions: Record<string, ExpressionFunction>;
  /** The execution status last reported (or found already set) for this workflow. */
  reported?: ExecutionStatus;
}

export class OrquestaRunner implements Runner {
  readonly name = 'orquesta';
  readonly parameters = {};
  readonly #store: Store;
  #services?: RunnerServices;
  readonly #logger?: Logger;
  readonly #options: WorkflowRunnerOptions;
  /** Per-workflow serialization of state changes. */
  readonly #locks = new KeyedLock();
  readonly #specs = new Map<string, WorkflowSpec>();
  readonly #inspections = new WeakMap<WorkflowSpec, ReturnType<typeof inspectionErrors>>();
  readonly #timers = new Map<string, { cancel(): void }>();
  /** Workflows in memory, least recently moved first. */
  readonly #live = new Map<string, LiveWorkflow>();

  constructor(options: WorkflowRunnerOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#services = options.services;
    this.#logger = options.logger;
  }

  /** Gives the runtime the engine's services (the execution service's), if not given at construction. */
  setServices(services: RunnerServices): void {
    this.#services = services;
  }

  #svc(): RunnerServices {
    if (!this.#services) throw new Error('orquesta runner: no runner services yet (call setServices)');
    return this.#services;
  }

  #lock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(id, fn);
  }

  #specFor(action: ActionDefinition): WorkflowSpec {
    const text = this.#options.loadDefinition
      ? this.#options.loadDefinition(action)
      : readFileSync(action.entry_point_path ?? '', 'utf8');
    const cached = this.#specs.get(text);
    if (cached) return cached;
    const spec = parseWorkflow(text);
    if (this.#specs.size > 200) this.#specs.clear();
    this.#specs.set(text, spec);
    return spec;
  }

  /** The parsed spec of a stored state (parsed once per definition: graphs and indexes are cached on it). */
  #specOfState(state: Pick<WorkflowRunState, 'conductor'>): WorkflowSpec {
    const definition = state.conductor.spec;
    const k = JSON.stringify(definition ?? null);
    const cached = this.#specs.get(k);
    if (cached) return cached;
    const spec = parseWorkflow(definition as object);
    if (this.#specs.size > 200) this.#specs.clear();
    this.#specs.set(k, spec);
    return spec;
  }

  /** Inspection errors of a definition (inspected once: specs are cached per definition text). */
  #inspect(spec: WorkflowSpec): ReturnType<typeof inspectionErrors> {
    let errors = this.#inspections.get(spec);
    if (!errors) {
      errors = inspectionErrors(inspectWorkflow(spec));
      this.#inspections.set(spec, errors);
    }
    return errors;
  }

  /** The runtime's expression functions for a workflow: the configured ones and st2kv. */
  #functions(record: ExecutionRecord | undefined, kv: KvCache): Record<string, ExpressionFunction> {
    const extra = record ? this.#options.functions?.(record) : undefined;
    return { ...(extra ?? {}), st2kv: kv.st2kv };
  }

  // ---------------------------------------------------------------- live workflows

  /** A workflow in memory, rebuilt from the Store (snapshot + replay of its rows) when it is not. */
  #get(id: string, record?: ExecutionRecord, kv?: KvCache): LiveWorkflow | undefined {
    const live = this.#live.get(id);
    if (live) {
      // Least recently moved first: the oldest is dropped when there are too many.
      this.#live.delete(id);
      this.#live.set(id, live);
      return live;
    }
    const stored = WorkflowJournal.open(this.#store, id);
    if (!stored) return undefined;
    const cache = kv ?? new KvCache(this.#svc().datastore);
    const functions = this.#functions(record ?? this.#svc().getExecution(id), cache);
    const run = new WorkflowRun(
      this.#specOfState(stored.state),
      stored.state,
      Object.keys(functions),
      new LiveEnv(functions),
    );
    for (const row of stored.rows) {
      run.env = new ReplayEnv(row);
      run.step(row);
    }
    const loaded: LiveWorkflow = { run, journal: stored.journal, kv: cache, functions };
    // A finished workflow is read (late events, re-runs) but no longer kept.
    return run.finished ? loaded : this.#keep(id, loaded);
  }

  #keep(id: string, live: LiveWorkflow): LiveWorkflow {
    this.#live.set(id, live);
    const max = this.#options.maxLiveWorkflows ?? 1000;
    for (const oldest of this.#live.keys()) {
      if (this.#live.size <= max) break;
      this.#live.delete(oldest);
    }
    return live;
  }

  /** Whether the execution has Orquesta state (in memory or in the Store). */
  #exists(id: string): boolean {
    return this.#live.has(id) || this.#get(id) !== undefined;
  }

  /** The current state of a workflow execution (a copy), from memory or the Store; for tools and tests. */
  workflowState(id: string): WorkflowRunState | undefined {
    const live = this.#get(id);
    return live
      ? (JSON.parse(JSON.stringify(live.run.toState(live.journal.seq))) as WorkflowRunState)
      : undefined;
  }

  /**
   * One change to a workflow: apply `causes` to it, start what became ready, persist the step, then request the
   * children and report the status. Expressions are synchronous, so datastore values (st2kv) a step needs and
   * does not have yet are fetched and the step is redone from the stored state. A step that throws leaves the
   * Store as it was; the workflow is rebuilt from it on its next step.
   */
  async #step(
    id: string,
    record: ExecutionRecord | undefined,
    causes: StepCause[],
    options: {
      plan?: boolean;
      report?: boolean;
      build?: (live: Omit<LiveWorkflow, 'run' | 'journal'>, env: LiveEnv) => WorkflowRun;
    } = {},
  ): Promise<RunnerResult | undefined> {
    // The state keeps what causes carry (child results): as plain JSON, the same data a replay of the row reads,
    // and no longer shared with the caller's records.
    causes = causes.length > 0 ? (JSON.parse(JSON.stringify(causes)) as StepCause[]) : causes;
    let kv = this.#live.get(id)?.kv ?? new KvCache(this.#svc().datastore);
    await kv.refresh();
    for (let attempt = 0; ; attempt++) {
      let live: LiveWorkflow | undefined;
      let env: LiveEnv;
      let outcome: StepOutcome | undefined;
      try {
        if (options.build) {
          const functions = this.#functions(record, kv);
          env = new LiveEnv(functions);
          const run = options.build({ kv, functions }, env);
          outcome = run.start();
          live = { run, kv, functions, journal: WorkflowJournal.begin(this.#store, id) };
        } else {
          live = this.#get(id, record, kv);
          if (!live) return undefined;
          kv = live.kv;
          env = new LiveEnv(live.functions);
          live.run.env = env;
          const row: StepRow = { c: causes };
          if (options.plan === false) row.p = 0;
          outcome = live.run.step(row);
          if (!outcome) return undefined;
        }
      } catch (error) {
        this.#live.delete(id);
        throw error;
      }
      if (kv.missing.size > 0 && attempt < 20) {
        // Memory is ahead of the Store: redo the step from the Store with the values loaded.
        this.#live.delete(id);
        await kv.fetchMissing();
        continue;
      }
      try {
        this.#persist(id, live, env, causes, options);
      } catch (error) {
        // Memory is ahead of the Store: rebuild from the Store next time.
        this.#live.delete(id);
        throw error;
      }
      for (const key of outcome.dropped) {
        this.#timers.get(key)?.cancel();
        this.#timers.delete(key);
      }
      this.#schedule(id, outcome.toRequest, record);
      const run = live.run;
      if (run.finished) this.#live.delete(id);
      return this.#report(id, live, options.report !== false);
    }
  }

  /** Writes the step: the first snapshot of a new workflow, else one row (and a snapshot when one is due). */
  #persist(
    id: string,
    live: LiveWorkflow,
    env: LiveEnv,
    causes: StepCause[],
    options: { plan?: boolean; build?: unknown },
  ): void {
    if (options.build) {
      live.journal.snapshot(live.run.toState());
      this.#keep(id, live);
      return;
    }
    const row: StepRow = { c: causes };
    if (env.calls.length > 0) row.x = env.calls;
    if (env.time !== undefined) row.t = env.time;
    if (options.plan === false) row.p = 0;
    live.journal.append(row);
    // A finished workflow is compacted to its final snapshot (re-runs read it; its rows go).
    if (live.journal.snapshotDue || live.run.finished) live.journal.snapshot(live.run.toState());
  }

  // ---------------------------------------------------------------- Runner

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    this.#services ??= ctx.services;
    if (ctx.resumed && this.#exists(ctx.executionId)) {
      await this.recover(ctx.record);
      const rec = this.#svc().getExecution(ctx.executionId);
      return { status: (rec?.status ?? 'running') as ExecutionStatus };
    }
    let spec: WorkflowSpec;
    try {
      spec = this.#specFor(ctx.action);
    } catch (error) {
      return {
        status: 'failed',
        result: { errors: [{ type: 'error', message: message(error) }], output: null },
      };
    }
    const inspection = this.#inspect(spec);
    if (inspection.length > 0) {
      return { status: 'failed', result: { errors: inspection, output: null } };
    }
    const st2: Record<string, unknown> = {
      action_execution_id: ctx.executionId,
      workflow_execution_id: ctx.executionId,
      user: ctx.context.user,
      pack: ctx.action.pack,
      action: ctx.action.ref,
      runner: this.name,
    };
    if (ctx.context.api_user) st2.api_user = ctx.context.api_user;
    if (this.#options.apiUrl) st2.api_url = this.#options.apiUrl;
    const parentCtx: Record<string, unknown> = { st2 };
    if (ctx.context.parent) parentCtx.parent = ctx.context.parent;
    const userContext = {
      user: ctx.context.user,
      ...(ctx.context.api_user ? { api_user: ctx.context.api_user } : {}),
    };
    const rerun = this.#rerunRequest(ctx);
    const build = (live: Omit<LiveWorkflow, 'run' | 'journal'>, env: LiveEnv): WorkflowRun => {
      const names = Object.keys(live.functions);
      if (rerun) {
        // st2 `execution re-run --tasks`: a new execution continues from the old one's state.
        const old = rerun.state;
        const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
        const state = {
          v: 1 as const,
          children: [],
          items: copy(old.items),
          ...(old.item_statuses ? { item_statuses: copy(old.item_statuses) } : {}),
          seq: old.seq,
          context: userContext,
        };
        return new WorkflowRun(this.#specOfState(old), state, names, env, (options) => {
          const conductor = Conductor.deserialize(old.conductor, this.#specOfState(old), options);
          conductor.requestRerun(rerun.requests);
          return conductor;
        });
      }
      const state = { v: 1 as const, children: [], items: {}, seq: 0, context: userContext };
      return new WorkflowRun(spec, state, names, env, (options) => {
        // The inputs stay in the state: a copy, not the execution's parameters object.
        const inputs = JSON.parse(JSON.stringify(ctx.parameters)) as Record<string, unknown>;
        const conductor = new Conductor(spec, { inputs, context: parentCtx, ...options });
        if (conductor.getWorkflowStatus() === 'null') conductor.requestWorkflowStatus('running');
        return conductor;
      });
    };
    return this.#lock(ctx.executionId, async () => {
      const outcome = await this.#step(ctx.executionId, ctx.record, [], { build, report: false });
      return outcome ?? { status: 'running' };
    });
  }

  /**
   * A workflow re-run of given tasks: `context.re_run = {ref: <old execution>, tasks: ['task2', 'task3__r1'],
   * reset: ['each']}` (reset: with-items tasks whose items all run again, not only the failed ones).
   */
  #rerunRequest(
    ctx: RunnerContext,
  ): { state: WorkflowRunState; requests: RerunRequest[] | null } | undefined {
    const reRun = ctx.context.re_run;
    if (!isRecord(reRun) || typeof reRun.ref !== 'string') return undefined;
    const tasks = Array.isArray(reRun.tasks) ? reRun.tasks.map(String) : undefined;
    if (!tasks) return undefined;
    const state = this.workflowState(reRun.ref);
    if (!state) throw new Error(`re-run of workflow execution "${reRun.ref}": its workflow state is gone`);
    const reset = new Set(Array.isArray(reRun.reset) ? reRun.reset.map(String) : []);
    const requests = tasks.map((t) => {
      const m = /^(.*)__r(\d+)$/.exec(t);
      const taskId = m ? (m[1] as string) : t;
      return { task_id: taskId, route: m ? Number(m[2]) : 0, reset_items: reset.has(taskId) || reset.has(t) };
    });
    return { state, requests: requests.length > 0 ? requests : null };
  }

  async pause(executionId: string): Promise<void> {
    await this.#control(executionId, 'pausing');
  }

  async resume(executionId: string): Promise<void> {
    await this.#control(executionId, 'resuming');
  }

  async cancel(executionId: string): Promise<void> {
    await this.#control(executionId, 'canceling');
  }

  async #control(executionId: string, status: 'pausing' | 'resuming' | 'canceling'): Promise<void> {
    let children: string[] = [];
    await this.#lock(executionId, async () => {
      if (!this.#exists(executionId))
        throw new Error(`workflow execution "${executionId}" has no stored state`);
      await this.#step(executionId, undefined, [{ k: 'status', s: status }]);
      const live = this.#live.get(executionId);
      children = live
        ? [...live.run.children.values()].flatMap((c) => (c.execution_id ? [c.execution_id] : []))
        : [];
    });
    this.#cascade(status, children);
  }

  /** st2 cascades: cancel reaches every running child, pause/resume the child workflows. Outside the lock. */
  #cascade(status: 'pausing' | 'resuming' | 'canceling', childIds: string[]): void {
    const services = this.#svc();
    for (const id of childIds) {
      const child = services.getExecution(id);
      if (!child || TERMINAL_CHILD.has(child.status)) continue;
      let call: Promise<unknown> | undefined;
      if (status === 'canceling') call = services.cancelExecution?.(id);
      else if (child.runner === this.name && status === 'pausing' && child.status === 'running') {
        call = services.pauseExecution?.(id);
      } else if (
        child.runner === this.name &&
        status === 'resuming' &&
        ['paused', 'pausing'].includes(child.status)
      ) {
        call = services.resumeExecution?.(id);
      }
      call?.catch((error) =>
        this.#logger?.warn(
          { execution_id: id, err: error },
          `workflow could not ${status.replace(/ing$/, '')} a child`,
        ),
      );
    }
  }

  /** Crash recovery: re-requests children (idempotent), applies completions missed while down, advances. */
  async recover(record: ExecutionRecord): Promise<void> {
    const services = this.#svc();
    await this.#lock(record.id, async () => {
      const live = this.#get(record.id, record);
      if (!live) {
        await services.completeExecution(record.id, 'abandoned', {
          errors: [{ type: 'error', message: 'workflow state was not found after a restart' }],
          output: null,
        });
        return;
      }
      const causes: StepCause[] = [];
      const unrequested: WorkflowChild[] = [];
      for (const child of live.run.children.values()) {
        const rec = child.execution_id ? services.getExecution(child.execution_id) : undefined;
        if (rec && TERMINAL_CHILD.has(rec.status)) {
          causes.push({ k: 'child', key: child.key, id: rec.id, s: rec.status, r: rec.result ?? null });
        } else if (!child.execution_id) unrequested.push(child);
      }
      await this.#step(record.id, record, causes);
      // Saved but maybe never requested before the crash: request again (the idempotency key dedupes; one
      // requested meanwhile is skipped).
      this.#schedule(record.id, unrequested, record);
    });
  }

  // ---------------------------------------------------------------- children

  /** The execution service calls this for every completed execution; children of workflows advance them. */
  async onChildCompleted(child: ExecutionRecord): Promise<void> {
    const parentId = child.context?.parent?.execution_id;
    if (!parentId || !TERMINAL_CHILD.has(child.status)) return;
    await this.#onChild(parentId, child);
  }

  /** Non-terminal child changes that matter: `pending` (an inquiry) pauses the workflow. */
  async onChildUpdated(child: ExecutionRecord): Promise<void> {
    const parentId = child.context?.parent?.execution_id;
    if (!parentId) return;
    if (TERMINAL_CHILD.has(child.status)) return this.onChildCompleted(child);
    if (!CHILD_UPDATES.has(child.status)) return;
    await this.#onChild(parentId, child);
  }

  async #onChild(parentId: string, child: ExecutionRecord): Promise<void> {
    if (!this.#exists(parentId)) return;
    await this.#lock(parentId, async () => {
      const ref = this.#get(parentId)?.run.findChild(parentId, child);
      if (!ref) return;
      await this.#step(parentId, undefined, [
        { k: 'child', key: ref.key, id: child.id, s: child.status, r: child.result ?? null },
      ]);
    });
  }

  // ---------------------------------------------------------------- requesting children

  /** Requests children once their step is persisted: delayed ones when their time comes, the others at once. */
  #schedule(id: string, children: WorkflowChild[], record: ExecutionRecord | undefined): void {
    const now: string[] = [];
    for (const child of children) {
      const wait = child.not_before ? Date.parse(child.not_before) - Date.now() : 0;
      if (wait <= 0) {
        now.push(child.key);
        continue;
      }
      const setTimer =
        this.#options.setTimer ??
        ((fn: () => void, ms: number) => {
          const t = setTimeout(fn, ms);
          t.unref?.();
          return { cancel: () => clearTimeout(t) };
        });
      this.#timers.set(
        child.key,
        setTimer(() => {
          this.#timers.delete(child.key);
          void this.#lock(id, () => this.#requestChildren(id, [child.key], record, true));
        }, wait),
      );
    }
    if (now.length > 0) void this.#lock(id, () => this.#requestChildren(id, now, record, false));
  }

  /** Requests children (deduped by their keys), then records their executions in one step. */
  async #requestChildren(
    id: string,
    keys: string[],
    record: ExecutionRecord | undefined,
    delayed: boolean,
  ): Promise<void> {
    const live = this.#get(id);
    if (!live) return;
    const children = keys.flatMap((k) => {
      const child = live.run.children.get(k);
      return child && !child.execution_id ? [child] : [];
    });
    if (children.length === 0) return;
    const services = this.#svc();
    if (delayed) {
      // Paused or canceled while it waited: forget it; it is still staged and runs again on resume.
      const status = live.run.conductor.getWorkflowStatus();
      if (status !== 'running' && status !== 'resuming') {
        await this.#step(
          id,
          record,
          children.map((c) => ({ k: 'drop', key: c.key })),
          { plan: false, report: false },
        );
        return;
      }
    }
    const causes: StepCause[] = [];
    for (const child of children) {
      const parent: NonNullable<ExecutionRecord['context']['parent']> = {
        execution_id: id,
        task_id: child.task_id,
        route: child.route,
      };
      if (child.item_id !== undefined) parent.item_id = child.item_id;
      const cause: StepCause = { k: 'requested', key: child.key };
      if (delayed) cause.delayed = 1;
      try {
        const parameters = (isRecord(child.input) ? child.input : {}) as Record<string, unknown>;
        const rec = await services.requestExecution({
          action: child.action,
          parameters,
          // Already rendered by the workflow (and may carry chat data): never rendered again, quoted in shell cmds.
          untrustedParameters: Object.keys(parameters),
          context: { ...live.run.context, parent },
          dedupeKey: `${id}:${child.key}`,
        });
        cause.id = rec.id;
        if (TERMINAL_CHILD.has(rec.status)) {
          cause.s = rec.status;
          cause.r = rec.result ?? null;
        }
      } catch (error) {
        cause.e = message(error);
        this.#logger?.warn(
          { execution_id: id, task_id: child.task_id, err: cause.e },
          'workflow task request failed',
        );
      }
      causes.push(cause);
    }
    await this.#step(id, record, causes);
  }

  /** Moves the workflow execution to the conductor's status; completes it with {output, errors}. */
  async #report(id: string, live: LiveWorkflow, report: boolean): Promise<RunnerResult | undefined> {
    const conductor = live.run.conductor;
    const status = conductor.getWorkflowStatus();
    if (isCompletedStatus(status)) {
      if (live.run.children.size > 0) return undefined;
      const final = status as ExecutionStatus;
      // st2 (services/workflows.py update_execution_records): {output: output or None}, and errors only for
      // abended workflows, so a succeeded one does not list the failures it handled.
      const output = conductor.getWorkflowOutput();
      const result: Record<string, unknown> = { output: truthy(output) ? output : null };
      if (ABENDED_STATUSES.has(final)) result.errors = conductor.errors;
      if (!report) return { status: final, result };
      await this.#svc().completeExecution(id, final, result);
      return undefined;
    }
    const mapped: ExecutionStatus | undefined =
      status === 'paused' || status === 'pausing' || status === 'canceling'
        ? status
        : status === 'resuming' || status === 'running'
          ? 'running'
          : undefined;
    if (!mapped) return undefined;
    if (!report) return mapped === 'running' ? undefined : { status: mapped };
    // Read the execution only when the status to report changed (a large workflow record costs a parse per read).
    if (live.reported === mapped) return undefined;
    const current = this.#svc().getExecution(id);
    if (current && current.status !== mapped && !TERMINAL_CHILD.has(current.status)) {
      await this.#svc().completeExecution(id, mapped);
    }
    live.reported = mapped;
    return undefined;
  }
}

/**
 * Wires the runtime to an execution service: completions (and pending inquiries, through the bus) of children
 * advance their workflows. Returns an unsubscribe function.
 */
export function attachWorkflowRunner(
  runner: OrquestaRunner,
  executions: {
    onCompleted(listener: (record: ExecutionRecord) => void): () => void;
    services: RunnerServices;
  },
  logger?: Logger,
): () => void {
  runner.setServices(executions.services);
  const onError = (error: unknown, record: ExecutionRecord) =>
    logger?.error(
      { err: error, execution_id: record.context?.parent?.execution_id },
      'workflow advance failed',
    );
  const offCompleted = executions.onCompleted((record) => {
    if (record.context?.parent?.execution_id) {
      runner.onChildCompleted(record).catch((e) => onError(e, record));
    }
  });
  const offUpdated = executions.services.events.on('execution__update', (record) => {
    if (CHILD_UPDATES.has(record.status) && record.context?.parent?.execution_id) {
      runner.onChildUpdated(record).catch((e) => onError(e, record));
    }
  });
  return () => {
    offCompleted();
    offUpdated();
  };
}
