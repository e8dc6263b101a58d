/**
 * The durable Orquesta runtime: the `orquesta` runner. A workflow execution is a Conductor whose state lives in
 * the Store (`saveWorkflowState`), written before anything is acted on; each task action is a child execution
 * requested through `services.requestExecution` (with `context.parent = {execution_id, task_id, route, item_id}`
 * and an idempotency key, so a re-request after a crash returns the same child). The runtime advances when a
 * child finishes: the execution service (or `attachWorkflowRunner`) calls `onChildCompleted(child)`.
 *
 * Result of a workflow execution (as st2): `{output}` on success, `{output, errors}` otherwise.
 */

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ExpressionError, type ExpressionFunction } from '../expressions/index.ts';
import type { ActionDefinition, ExecutionRecord, ExecutionStatus } from '../model/index.ts';
import { KeyedLock } from '../runners/keyed-lock.ts';
import type { Runner, RunnerContext, RunnerResult, RunnerServices } from '../runners/runner.ts';
import type { Store } from '../store/store.ts';
import {
  Conductor,
  type ConductorData,
  isCompletedStatus,
  type NextTask,
  type RerunRequest,
} from './conductor.ts';
import { inspectionErrors, inspectWorkflow } from './inspector.ts';
import { parseWorkflow, type WorkflowSpec } from './spec.ts';
import { ABENDED_STATUSES } from './statuses.ts';
import { truthy } from './workflow-expressions.ts';

/** A child execution the workflow asked for (kept until it completes). */
export interface WorkflowChild {
  /** Idempotency key of the request (also `context.dedupe_key` of the child). */
  key: string;
  task_id: string;
  route: number;
  item_id?: number;
  action: string;
  input: unknown;
  execution_id?: string;
  /** ISO time before which it must not be requested (task or retry delay). */
  not_before?: string;
}

/** What is stored per workflow execution. */
export interface WorkflowRunState {
  v: 1;
  conductor: ConductorData;
  children: WorkflowChild[];
  /** With-items results so far, by `task__rN`. */
  items: Record<string, unknown[]>;
  /** With-items: the status of each completed item, by `task__rN` (st2's task().result.items[i].status). */
  item_statuses?: Record<string, Array<string | null>>;
  /** Counter for child request keys. */
  seq: number;
  /** The workflow's own context (user, parent...) that children inherit. */
  context: { user: string; api_user?: string };
}

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

function nowIso(): string {
  return new Date().toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * st2kv() for one workflow step. Expressions are synchronous and the datastore is not: a key not loaded yet is
 * recorded as missing (the evaluation fails), the step fetches the missing keys and runs again.
 */
class KvCache {
  readonly missing = new Map<string, { scope: 'system' | 'user'; name: string; decrypt: boolean }>();
  readonly #values = new Map<string, { found: boolean; value: unknown }>();
  readonly #datastore: RunnerServices['datastore'];

  constructor(datastore: RunnerServices['datastore'], _user: string | undefined) {
    this.#datastore = datastore;
  }

  readonly st2kv = (...args: unknown[]): unknown => {
    const { key, decrypt, default: fallback, hasDefault } = kvArgs(args);
    if (typeof key !== 'string' || key === '') throw new ExpressionError('st2kv: a key name is required');
    const system = key.startsWith('system.');
    const name = system ? key.slice('system.'.length) : key;
    const scope = system ? 'system' : 'user';
    const cacheKey = `${scope}\u0000${name}\u0000${decrypt ? 1 : 0}`;
    const hit = this.#values.get(cacheKey);
    if (!hit) {
      if (!this.#datastore) throw new ExpressionError('st2kv: the datastore is not available');
      this.missing.set(cacheKey, { scope, name, decrypt: Boolean(decrypt) });
      throw new ExpressionError(`st2kv: the value of "${key}" is being loaded`);
    }
    if (!hit.found) {
      if (hasDefault) return fallback;
      throw new ExpressionError(`The key "${key}" does not exist in the StackStorm datastore.`);
    }
    return hit.value;
  };

  /** Loads the missing keys; false when nothing could be loaded (no datastore). */
  async fetchMissing(): Promise<boolean> {
    if (!this.#datastore || this.missing.size === 0) return false;
    for (const [cacheKey, k] of this.missing) {
      const value = await this.#datastore.get(k.name, { scope: k.scope, decrypt: k.decrypt });
      this.#values.set(cacheKey, { found: value !== undefined && value !== null, value: value ?? null });
    }
    this.missing.clear();
    return true;
  }
}

const KWARGS = Symbol.for('squall.expressions.kwargs');

function kvArgs(args: unknown[]): { key: unknown; decrypt: unknown; default: unknown; hasDefault: boolean } {
  let positional = args;
  let kwargs: Record<string, unknown> = {};
  const last = args[args.length - 1];
  if (
    isRecord(last) &&
    ((last as Record<symbol, unknown>)[KWARGS] === true || Object.hasOwn(last, '__keywords'))
  ) {
    positional = args.slice(0, -1);
    kwargs = last;
  }
  const hasDefault = Object.hasOwn(kwargs, 'default') || positional.length > 2;
  return {
    key: positional[0] ?? kwargs.key,
    decrypt: positional[1] ?? kwargs.decrypt ?? false,
    default: Object.hasOwn(kwargs, 'default') ? kwargs.default : positional[2],
    hasDefault,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  readonly #timers = new Map<string, { cancel(): void }>();

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
  #specOfState(state: WorkflowRunState): WorkflowSpec {
    const definition = state.conductor.spec;
    const k = JSON.stringify(definition ?? null);
    const cached = this.#specs.get(k);
    if (cached) return cached;
    const spec = parseWorkflow(definition as object);
    if (this.#specs.size > 200) this.#specs.clear();
    this.#specs.set(k, spec);
    return spec;
  }

  #functions(record: ExecutionRecord | undefined, kv: KvCache): Record<string, ExpressionFunction> {
    const extra = record ? this.#options.functions?.(record) : undefined;
    return { ...(extra ?? {}), st2kv: kv.st2kv };
  }

  #save(id: string, state: WorkflowRunState, conductor: Conductor): void {
    // The store writes it out at once; the conductor is dropped after the step.
    state.conductor = conductor.serialize({ copy: false });
    this.#store.saveWorkflowState(id, state);
  }

  #load(id: string): WorkflowRunState | undefined {
    const raw = this.#store.loadWorkflowState(id) as WorkflowRunState | undefined;
    return raw && raw.v === 1 ? raw : undefined;
  }

  /**
   * One change to a workflow: build it from the stored state, apply `mutate`, start what became ready, render
   * the output if it ended. Expressions are synchronous, so datastore values (st2kv) they need are fetched and
   * the whole step is redone from the stored state; then the new state is saved and children are requested.
   */
  async #step(
    id: string,
    record: ExecutionRecord | undefined,
    mutate: (state: WorkflowRunState, conductor: Conductor) => boolean | undefined,
    options: {
      build?: (functions: Record<string, ExpressionFunction>) => WorkflowRunState;
      report?: boolean;
    } = {},
  ): Promise<RunnerResult | undefined> {
    const kv = new KvCache(this.#svc().datastore, this.#load(id)?.context.user ?? record?.context.user);
    for (let attempt = 0; ; attempt++) {
      const functions = this.#functions(record, kv);
      const state = options.build ? options.build(functions) : this.#load(id);
      if (!state) return undefined;
      const conductor = Conductor.deserialize(state.conductor, this.#specOfState(state), {
        functions,
        taskResult: (task, result) => stTaskResult(state, task, result),
      });
      if (mutate(state, conductor) === false) return undefined;
      const toRequest = this.#plan(state, conductor);
      if (kv.missing.size > 0 && attempt < 20 && (await kv.fetchMissing())) continue;
      this.#save(id, state, conductor);
      for (const child of toRequest) this.#schedule(id, child, record);
      return this.#report(id, conductor, options.report !== false, state.children.length > 0);
    }
  }

  // ---------------------------------------------------------------- Runner

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    this.#services ??= ctx.services;
    if (ctx.resumed && this.#load(ctx.executionId)) {
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
    const inspection = inspectionErrors(inspectWorkflow(spec));
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
    const build = (functions: Record<string, ExpressionFunction>): WorkflowRunState => {
      if (rerun) {
        // st2 `execution re-run --tasks`: a new execution continues from the old one's state.
        const conductor = Conductor.deserialize(rerun.state.conductor, this.#specOfState(rerun.state), {
          functions,
        });
        conductor.requestRerun(rerun.requests);
        return {
          v: 1,
          conductor: conductor.serialize({ copy: false }),
          children: [],
          items: JSON.parse(JSON.stringify(rerun.state.items)),
          ...(rerun.state.item_statuses
            ? { item_statuses: JSON.parse(JSON.stringify(rerun.state.item_statuses)) }
            : {}),
          seq: rerun.state.seq,
          context: userContext,
        };
      }
      const conductor = new Conductor(spec, { inputs: ctx.parameters, context: parentCtx, functions });
      if (conductor.getWorkflowStatus() === 'null') conductor.requestWorkflowStatus('running');
      return {
        v: 1,
        conductor: conductor.serialize(),
        children: [],
        items: {},
        seq: 0,
        context: userContext,
      };
    };
    return this.#lock(ctx.executionId, async () => {
      const outcome = await this.#step(ctx.executionId, ctx.record, () => true, { build, report: false });
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
    const state = this.#load(reRun.ref);
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
    const children: string[] = [];
    await this.#lock(executionId, async () => {
      if (!this.#load(executionId))
        throw new Error(`workflow execution "${executionId}" has no stored state`);
      await this.#step(executionId, this.#svc().getExecution(executionId), (state, conductor) => {
        conductor.requestWorkflowStatus(status);
        if (status === 'canceling') {
          // Delayed children not requested yet are dropped (their tasks never started).
          for (const child of state.children.filter((c) => !c.execution_id && c.not_before)) {
            this.#timers.get(child.key)?.cancel();
            this.#timers.delete(child.key);
          }
          state.children = state.children.filter((c) => c.execution_id || !c.not_before);
        }
        children.splice(
          0,
          children.length,
          ...state.children.flatMap((c) => (c.execution_id ? [c.execution_id] : [])),
        );
        return true;
      });
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
      if (!this.#load(record.id)) {
        await services.completeExecution(record.id, 'abandoned', {
          errors: [{ type: 'error', message: 'workflow state was not found after a restart' }],
          output: null,
        });
        return;
      }
      let unrequested: WorkflowChild[] = [];
      await this.#step(record.id, record, (state, conductor) => {
        unrequested = [];
        for (const child of [...state.children]) {
          const rec = child.execution_id ? services.getExecution(child.execution_id) : undefined;
          if (rec && TERMINAL_CHILD.has(rec.status)) this.#applyChild(state, conductor, child, rec);
          else if (!child.execution_id) unrequested.push(child);
        }
        return true;
      });
      // Saved but maybe never requested before the crash: request again (the idempotency key dedupes).
      for (const child of unrequested) this.#schedule(record.id, child, record);
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
    if (!this.#store.loadWorkflowState(parentId)) return;
    await this.#lock(parentId, async () => {
      await this.#step(parentId, this.#svc().getExecution(parentId), (state, conductor) => {
        const ref = this.#findChild(parentId, state, child);
        if (!ref) return false;
        return this.#applyChild(state, conductor, ref, child);
      });
    });
  }

  #findChild(parentId: string, state: WorkflowRunState, child: ExecutionRecord): WorkflowChild | undefined {
    const key = child.context?.dedupe_key;
    return (
      state.children.find((c) => c.execution_id === child.id) ??
      (typeof key === 'string' ? state.children.find((c) => `${parentId}:${c.key}` === key) : undefined)
    );
  }

  /** Applies a child's status to its task; false when it changed nothing. */
  #applyChild(
    state: WorkflowRunState,
    conductor: Conductor,
    ref: WorkflowChild,
    child: ExecutionRecord,
  ): boolean {
    if (child.id) ref.execution_id ??= child.id;
    const itemEvent = ref.item_id !== undefined ? { itemId: ref.item_id } : {};
    if (!TERMINAL_CHILD.has(child.status)) {
      // pending (inquiry) or paused (sub-workflow) pause the task; running again resumes it.
      const current = conductor.getTaskState(ref.task_id, ref.route)?.status;
      const resumes = child.status === 'running' && (current === 'paused' || current === 'pending');
      if ((child.status === 'pending' || child.status === 'paused') && current !== child.status) {
        conductor.updateTaskState(ref.task_id, ref.route, { status: child.status, ...itemEvent });
        return true;
      }
      if (resumes) {
        conductor.updateTaskState(ref.task_id, ref.route, { status: 'running', ...itemEvent });
        return true;
      }
      return false;
    }
    // An inquiry answered while the workflow waits paused for it: resume first (st2 does the same).
    const entry = conductor.getTaskState(ref.task_id, ref.route);
    if (conductor.getWorkflowStatus() === 'paused' && entry?.status === 'pending') {
      conductor.requestWorkflowStatus('resuming');
    }
    const result = child.result ?? null;
    if (ref.item_id !== undefined) {
      const k = `${ref.task_id}__r${ref.route}`;
      const acc = state.items[k] ?? [];
      while (acc.length <= ref.item_id) acc.push(null);
      acc[ref.item_id] = result;
      state.items[k] = acc;
      state.item_statuses ??= {};
      const statuses = state.item_statuses[k] ?? [];
      while (statuses.length <= ref.item_id) statuses.push(null);
      statuses[ref.item_id] = child.status;
      state.item_statuses[k] = statuses;
      conductor.updateTaskState(ref.task_id, ref.route, {
        status: child.status,
        result,
        itemId: ref.item_id,
        accumulatedResult: [...acc],
      });
    } else {
      conductor.updateTaskState(ref.task_id, ref.route, { status: child.status, result });
    }
    state.children = state.children.filter((c) => c !== ref);
    return true;
  }

  // ---------------------------------------------------------------- advancing

  /** Starts what is ready (action-less tasks complete at once); renders the output when the workflow ended. */
  #plan(state: WorkflowRunState, conductor: Conductor): WorkflowChild[] {
    const toRequest: WorkflowChild[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      const next = conductor.getNextTasks();
      if (next.length === 0) break;
      let immediate = false;
      for (const task of next) immediate = this.#start(state, conductor, task, toRequest) || immediate;
      if (!immediate) break;
    }
    // Finished once no child is outstanding (remediation tasks of a failed workflow still run and publish).
    if (isCompletedStatus(conductor.getWorkflowStatus()) && state.children.length === 0) {
      conductor.renderWorkflowOutput();
    }
    return toRequest;
  }

  /** Marks a task's actions started; returns true when something completed on the spot (no action to run). */
  #start(state: WorkflowRunState, conductor: Conductor, task: NextTask, toRequest: WorkflowChild[]): boolean {
    const isItems = task.items_count !== undefined;
    if (isItems && task.items_count === 0) {
      conductor.updateTaskState(task.id, task.route, { status: 'running' });
      conductor.updateTaskState(task.id, task.route, { status: 'succeeded', result: [] });
      return true;
    }
    let immediate = false;
    const delay = task.delay && task.delay > 0 ? task.delay : 0;
    for (const action of task.actions) {
      const itemEvent = isItems ? { itemId: action.item_id as number } : {};
      // A delayed task stays staged until its request fires: do not ask for it twice.
      const waiting = state.children.some(
        (c) =>
          c.task_id === task.id && c.route === task.route && c.item_id === action.item_id && !c.execution_id,
      );
      if (waiting) continue;
      if (!action.action) {
        // An action-less task (a decision point) succeeds at once.
        conductor.updateTaskState(task.id, task.route, { status: 'running', ...itemEvent });
        conductor.updateTaskState(task.id, task.route, { status: 'succeeded', result: null, ...itemEvent });
        immediate = true;
        continue;
      }
      state.seq += 1;
      const child: WorkflowChild = {
        key: `wf${state.seq}`,
        task_id: task.id,
        route: task.route,
        action: action.action,
        input: action.input ?? {},
      };
      if (isItems) child.item_id = action.item_id as number;
      if (delay > 0) child.not_before = new Date(Date.now() + delay * 1000).toISOString();
      else conductor.updateTaskState(task.id, task.route, { status: 'running', ...itemEvent });
      state.children.push(child);
      toRequest.push(child);
    }
    return immediate;
  }

  #schedule(id: string, child: WorkflowChild, record: ExecutionRecord | undefined): void {
    const wait = child.not_before ? Date.parse(child.not_before) - Date.now() : 0;
    if (wait > 0) {
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
          void this.#lock(id, () => this.#requestChild(id, child.key, record, true));
        }, wait),
      );
      return;
    }
    void this.#lock(id, () => this.#requestChild(id, child.key, record, false));
  }

  async #requestChild(
    id: string,
    key: string,
    record: ExecutionRecord | undefined,
    delayed: boolean,
  ): Promise<void> {
    const state = this.#load(id);
    const child = state?.children.find((c) => c.key === key);
    if (!state || !child || child.execution_id) return;
    const services = this.#svc();
    if (delayed) {
      // Paused or canceled while it waited: forget it; it is still staged and runs again on resume.
      const status = Conductor.deserialize(state.conductor).getWorkflowStatus();
      if (status !== 'running' && status !== 'resuming') {
        state.children = state.children.filter((c) => c !== child);
        this.#store.saveWorkflowState(id, state);
        return;
      }
    }
    const parent: NonNullable<ExecutionRecord['context']['parent']> = {
      execution_id: id,
      task_id: child.task_id,
      route: child.route,
    };
    if (child.item_id !== undefined) parent.item_id = child.item_id;
    let rec: ExecutionRecord | undefined;
    let failure: string | undefined;
    try {
      const parameters = (isRecord(child.input) ? child.input : {}) as Record<string, unknown>;
      rec = await services.requestExecution({
        action: child.action,
        parameters,
        // Already rendered by the workflow (and may carry chat data): never rendered again, quoted in shell cmds.
        untrustedParameters: Object.keys(parameters),
        context: { ...state.context, parent },
        dedupeKey: `${id}:${key}`,
      });
    } catch (error) {
      failure = message(error);
      this.#logger?.warn(
        { execution_id: id, task_id: child.task_id, err: failure },
        'workflow task request failed',
      );
    }
    await this.#step(id, record ?? services.getExecution(id), (fresh, conductor) => {
      const ref = fresh.children.find((c) => c.key === key);
      if (!ref) return false; // completed meanwhile
      if (delayed) {
        const itemEvent = ref.item_id !== undefined ? { itemId: ref.item_id } : {};
        conductor.updateTaskState(ref.task_id, ref.route, { status: 'running', ...itemEvent });
      }
      if (rec) {
        ref.execution_id = rec.id;
        if (TERMINAL_CHILD.has(rec.status)) this.#applyChild(fresh, conductor, ref, rec);
        return true;
      }
      this.#applyChild(fresh, conductor, ref, {
        id: '',
        action: ref.action,
        runner: '',
        status: 'failed',
        parameters: {},
        context: { user: fresh.context.user },
        result: { error: failure },
        log: [],
        start_timestamp: nowIso(),
      });
      return true;
    });
  }

  /** Moves the workflow execution to the conductor's status; completes it with {output, errors}. */
  async #report(
    id: string,
    conductor: Conductor,
    report: boolean,
    waiting: boolean,
  ): Promise<RunnerResult | undefined> {
    const status = conductor.getWorkflowStatus();
    if (isCompletedStatus(status)) {
      if (waiting) return undefined;
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
    const current = this.#svc().getExecution(id);
    if (current && current.status !== mapped && !TERMINAL_CHILD.has(current.status)) {
      await this.#svc().completeExecution(id, mapped);
    }
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

/**
 * st2's task().result as st2 stores it (services/workflows.py update_task_execution): a with-items task's is
 * `{items: [{status, result}, ...]}` (null for an item not completed yet); any other task's is the action result.
 */
function stTaskResult(
  state: WorkflowRunState,
  task: { id: string; route: number; itemized: boolean },
  result: unknown,
): unknown {
  if (!task.itemized) return result;
  const statuses = state.item_statuses?.[`${task.id}__r${task.route}`] ?? [];
  const results = Array.isArray(result) ? result : [];
  return {
    items: results.map((r, i) => {
      const status = statuses[i];
      return status ? { status, result: r } : null;
    }),
  };
}
