/**
 * One Orquesta workflow execution in memory: the conductor plus the runtime's bookkeeping (the children it asked
 * for, with-items results). A step applies causes (a child's status, a control request) and then starts what
 * became ready. Steps are deterministic: what they read from outside goes through a StepEnv, so the journal
 * keeps only the causes of each step (one small row) and replaying the rows onto a snapshot rebuilds this state.
 * No I/O here: the runner (workflow-runner.ts) requests children, persists rows and reports statuses.
 */
import type { ExpressionFunction } from '../expressions/index.ts';
import type { ExecutionRecord } from '../model/index.ts';
import {
  Conductor,
  type ConductorData,
  type ConductorOptions,
  isCompletedStatus,
  type NextTask,
} from './conductor.ts';
import type { WorkflowSpec } from './spec.ts';
import { type RecordedCall, type StepEnv, withStepEnv } from './step-env.ts';

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

/** The whole state of a workflow execution: what a snapshot holds. */
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
  /** The last journal row this snapshot includes (absent in states written before the journal: none). */
  log_seq?: number;
}

/** What made a step: each is one journal row entry. */
export type StepCause =
  /** A child changed status (terminal, or pending/paused/running). `id` is its execution. */
  | { k: 'child'; key: string; id: string; s: string; r?: unknown }
  /** Children were requested: their execution (and status/result when already done), or the request error. */
  | { k: 'requested'; key: string; id?: string; s?: string; r?: unknown; e?: string; delayed?: 1 }
  /** Pause, resume or cancel. */
  | { k: 'status'; s: 'pausing' | 'resuming' | 'canceling' }
  /** A delayed child is forgotten (the workflow was paused or canceled while it waited). */
  | { k: 'drop'; key: string };

/** One journal row: the causes of a step, what it read from outside, and whether ready tasks were started. */
export interface StepRow {
  c: StepCause[];
  x?: RecordedCall[];
  t?: number;
  /** 0: the step did not start ready tasks. */
  p?: 0;
}

export interface StepOutcome {
  /** Children to request (after the step is persisted). */
  toRequest: WorkflowChild[];
  /** Delayed children dropped by a cancel (their timers can go). */
  dropped: string[];
}

const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timeout', 'canceled', 'abandoned']);

/** A child's execution as the workflow sees it. */
interface ChildStatus {
  id: string;
  status: string;
  result?: unknown;
}

const childSlot = (taskId: string, route: number, itemId: number | undefined) =>
  `${taskId}\u0000${route}\u0000${itemId ?? ''}`;

export class WorkflowRun {
  readonly conductor: Conductor;
  readonly context: WorkflowRunState['context'];
  readonly items: Record<string, unknown[]>;
  itemStatuses?: Record<string, Array<string | null>>;
  seq: number;
  /** Children by request key, in request order. */
  readonly children = new Map<string, WorkflowChild>();
  readonly #byExecution = new Map<string, WorkflowChild>();
  /** Children not requested yet, per (task, route, item): a delayed task is not asked for twice. */
  readonly #unrequested = new Map<string, number>();
  #env: StepEnv;

  /**
   * From a state (a snapshot, or a new workflow's). `functionNames`: the runtime's expression functions; calls go
   * through the step's env. `conductor` builds a new conductor instead of restoring `state.conductor`.
   */
  constructor(
    spec: WorkflowSpec,
    state: Omit<WorkflowRunState, 'conductor'> & { conductor?: ConductorData },
    functionNames: readonly string[],
    env: StepEnv,
    conductor?: (options: Pick<ConductorOptions, 'functions' | 'taskResult'>) => Conductor,
  ) {
    this.#env = env;
    this.context = state.context;
    this.items = state.items;
    if (state.item_statuses) this.itemStatuses = state.item_statuses;
    this.seq = state.seq;
    for (const child of state.children) this.#addChild(child);
    const functions: Record<string, ExpressionFunction> = {};
    for (const name of functionNames) functions[name] = (...args: unknown[]) => this.#env.call(name, args);
    const options = {
      functions,
      taskResult: (task: { id: string; route: number; itemized: boolean }, result: unknown) =>
        this.#stTaskResult(task, result),
    };
    if (conductor) this.conductor = withStepEnv(env, () => conductor(options));
    else if (state.conductor) this.conductor = new Conductor(spec, options, state.conductor);
    else throw new Error('WorkflowRun: no conductor state');
  }

  /** The env the next step reads outside values through (live, or a row being replayed). */
  set env(env: StepEnv) {
    this.#env = env;
  }

  /**
   * The state as plain data. Live references (cheap): serialize it at once and do not mutate it.
   * `logSeq`: the last journal row it includes.
   */
  toState(logSeq?: number): WorkflowRunState {
    const state: WorkflowRunState = {
      v: 1,
      conductor: this.conductor.serialize({ copy: false }),
      children: [...this.children.values()],
      items: this.items,
      seq: this.seq,
      context: this.context,
    };
    if (this.itemStatuses) state.item_statuses = this.itemStatuses;
    if (logSeq !== undefined) state.log_seq = logSeq;
    return state;
  }

  /** The child an execution belongs to: by its id, else by its idempotency key (`<workflow id>:<key>`). */
  findChild(
    workflowId: string,
    execution: Pick<ExecutionRecord, 'id' | 'context'>,
  ): WorkflowChild | undefined {
    const byId = this.#byExecution.get(execution.id);
    if (byId) return byId;
    const key = execution.context?.dedupe_key;
    const prefix = `${workflowId}:`;
    return typeof key === 'string' && key.startsWith(prefix)
      ? this.children.get(key.slice(prefix.length))
      : undefined;
  }

  /** Whether the workflow is over: completed and no child outstanding. */
  get finished(): boolean {
    return isCompletedStatus(this.conductor.getWorkflowStatus()) && this.children.size === 0;
  }

  /**
   * Applies a step: its causes, then (unless `p: 0`) starts what became ready. Undefined when no cause changed
   * anything (nothing to persist); a step without causes only advances (recovery).
   */
  step(row: StepRow): StepOutcome | undefined {
    return withStepEnv(this.#env, () => {
      const outcome: StepOutcome = { toRequest: [], dropped: [] };
      let changed = row.c.length === 0;
      for (const cause of row.c) changed = this.#apply(cause, outcome) || changed;
      if (!changed) return undefined;
      if (row.p !== 0) outcome.toRequest = this.#plan();
      return outcome;
    });
  }

  /** Starts the first ready tasks of a new workflow (or a re-run). */
  start(): StepOutcome {
    return withStepEnv(this.#env, () => ({ toRequest: this.#plan(), dropped: [] }));
  }

  #apply(cause: StepCause, outcome: StepOutcome): boolean {
    switch (cause.k) {
      case 'child': {
        const ref = this.children.get(cause.key);
        return ref ? this.#applyChild(ref, { id: cause.id, status: cause.s, result: cause.r }) : false;
      }
      case 'requested': {
        const ref = this.children.get(cause.key);
        if (!ref) return false; // completed meanwhile
        if (cause.delayed) {
          const itemEvent = ref.item_id !== undefined ? { itemId: ref.item_id } : {};
          this.conductor.updateTaskState(ref.task_id, ref.route, { status: 'running', ...itemEvent });
        }
        if (cause.id !== undefined) {
          this.#setExecution(ref, cause.id);
          if (cause.s !== undefined && TERMINAL.has(cause.s)) {
            this.#applyChild(ref, { id: cause.id, status: cause.s, result: cause.r });
          }
          return true;
        }
        this.#applyChild(ref, { id: '', status: 'failed', result: { error: cause.e } });
        return true;
      }
      case 'status': {
        this.conductor.requestWorkflowStatus(cause.s);
        if (cause.s === 'canceling') {
          // Delayed children not requested yet are dropped (their tasks never started).
          for (const child of [...this.children.values()]) {
            if (child.execution_id || !child.not_before) continue;
            this.#removeChild(child);
            outcome.dropped.push(child.key);
          }
        }
        return true;
      }
      case 'drop': {
        const ref = this.children.get(cause.key);
        if (!ref) return false;
        this.#removeChild(ref);
        return true;
      }
    }
  }

  // ---------------------------------------------------------------- children

  #addChild(child: WorkflowChild): void {
    this.children.set(child.key, child);
    if (child.execution_id) this.#byExecution.set(child.execution_id, child);
    else this.#countUnrequested(child, 1);
  }

  #removeChild(child: WorkflowChild): void {
    this.children.delete(child.key);
    if (child.execution_id) this.#byExecution.delete(child.execution_id);
    else this.#countUnrequested(child, -1);
  }

  #setExecution(child: WorkflowChild, id: string): void {
    if (child.execution_id === id) return;
    if (child.execution_id) this.#byExecution.delete(child.execution_id);
    else this.#countUnrequested(child, -1);
    child.execution_id = id;
    this.#byExecution.set(id, child);
  }

  #countUnrequested(child: WorkflowChild, delta: number): void {
    const slot = childSlot(child.task_id, child.route, child.item_id);
    const n = (this.#unrequested.get(slot) ?? 0) + delta;
    if (n > 0) this.#unrequested.set(slot, n);
    else this.#unrequested.delete(slot);
  }

  /** Applies a child's status to its task; false when it changed nothing. */
  #applyChild(ref: WorkflowChild, child: ChildStatus): boolean {
    const conductor = this.conductor;
    const itemEvent = ref.item_id !== undefined ? { itemId: ref.item_id } : {};
    if (!TERMINAL.has(child.status)) {
      // pending (inquiry) or paused (sub-workflow) pause the task; running again resumes it.
      const current = conductor.getTaskState(ref.task_id, ref.route)?.status;
      const resumes = child.status === 'running' && (current === 'paused' || current === 'pending');
      const pauses = (child.status === 'pending' || child.status === 'paused') && current !== child.status;
      if (!pauses && !resumes) return false;
      if (child.id) this.#setExecution(ref, ref.execution_id ?? child.id);
      conductor.updateTaskState(ref.task_id, ref.route, {
        status: pauses ? child.status : 'running',
        ...itemEvent,
      });
      return true;
    }
    if (child.id) this.#setExecution(ref, ref.execution_id ?? child.id);
    // An inquiry answered while the workflow waits paused for it: resume first (st2 does the same).
    const entry = conductor.getTaskState(ref.task_id, ref.route);
    if (conductor.getWorkflowStatus() === 'paused' && entry?.status === 'pending') {
      conductor.requestWorkflowStatus('resuming');
    }
    const result = child.result ?? null;
    if (ref.item_id !== undefined) {
      const k = `${ref.task_id}__r${ref.route}`;
      const acc = this.items[k] ?? [];
      while (acc.length <= ref.item_id) acc.push(null);
      acc[ref.item_id] = result;
      this.items[k] = acc;
      this.itemStatuses ??= {};
      const statuses = this.itemStatuses[k] ?? [];
      while (statuses.length <= ref.item_id) statuses.push(null);
      statuses[ref.item_id] = child.status;
      this.itemStatuses[k] = statuses;
      // The conductor copies the accumulated list when it keeps it.
      conductor.updateTaskState(ref.task_id, ref.route, {
        status: child.status,
        result,
        itemId: ref.item_id,
        accumulatedResult: acc,
      });
    } else {
      conductor.updateTaskState(ref.task_id, ref.route, { status: child.status, result });
    }
    this.#removeChild(ref);
    return true;
  }

  // ---------------------------------------------------------------- advancing

  /** Starts what is ready (action-less tasks complete at once); renders the output when the workflow ended. */
  #plan(): WorkflowChild[] {
    const conductor = this.conductor;
    const toRequest: WorkflowChild[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      const next = conductor.getNextTasks();
      if (next.length === 0) break;
      let immediate = false;
      for (const task of next) immediate = this.#start(task, toRequest) || immediate;
      if (!immediate) break;
    }
    // Finished once no child is outstanding (remediation tasks of a failed workflow still run and publish).
    if (isCompletedStatus(conductor.getWorkflowStatus()) && this.children.size === 0) {
      conductor.renderWorkflowOutput();
    }
    return toRequest;
  }

  /** Marks a task's actions started; returns true when something completed on the spot (no action to run). */
  #start(task: NextTask, toRequest: WorkflowChild[]): boolean {
    const conductor = this.conductor;
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
      if (this.#unrequested.has(childSlot(task.id, task.route, action.item_id))) continue;
      if (!action.action) {
        // An action-less task (a decision point) succeeds at once.
        conductor.updateTaskState(task.id, task.route, { status: 'running', ...itemEvent });
        conductor.updateTaskState(task.id, task.route, { status: 'succeeded', result: null, ...itemEvent });
        immediate = true;
        continue;
      }
      this.seq += 1;
      const child: WorkflowChild = {
        key: `wf${this.seq}`,
        task_id: task.id,
        route: task.route,
        action: action.action,
        input: action.input ?? {},
      };
      if (isItems) child.item_id = action.item_id as number;
      if (delay > 0) child.not_before = new Date(this.#env.now() + delay * 1000).toISOString();
      else conductor.updateTaskState(task.id, task.route, { status: 'running', ...itemEvent });
      this.#addChild(child);
      toRequest.push(child);
    }
    return immediate;
  }

  /**
   * st2's task().result as st2 stores it (services/workflows.py update_task_execution): a with-items task's is
   * `{items: [{status, result}, ...]}` (null for an item not completed yet); any other task's is the action result.
   */
  #stTaskResult(task: { id: string; route: number; itemized: boolean }, result: unknown): unknown {
    if (!task.itemized) return result;
    const statuses = this.itemStatuses?.[`${task.id}__r${task.route}`] ?? [];
    const results = Array.isArray(result) ? result : [];
    return {
      items: results.map((r, i) => {
        const status = statuses[i];
        return status ? { status, result: r } : null;
      }),
    };
  }
}
