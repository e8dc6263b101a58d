/**
 * The workflow conductor: a deterministic, serializable state machine that directs one Orquesta workflow
 * execution (orquesta/conducting.py). No I/O: the caller asks for the next tasks, runs their actions however it
 * likes, and feeds task events back. State is plain JSON (`serialize()` / `Conductor.deserialize()`).
 *
 * Usage:
 *   const c = new Conductor(spec, { inputs, context });
 *   c.requestWorkflowStatus('running');
 *   for (const t of c.getNextTasks()) { ...start t.action with t.input...;
 *     c.updateTaskState(t.id, t.route, { status: 'running' }); }
 *   c.updateTaskState('task1', 0, { status: 'succeeded', result });
 *   if (isCompleted(c.getWorkflowStatus())) c.renderWorkflowOutput();
 */
import type { ExpressionFunction } from '../expressions/index.ts';
import { composeGraph, type GraphEdge, type WorkflowGraph } from './graph.ts';
import { countItems, forgetItemCounts, setItemStatus, summarizeItems, unstartedItems } from './item-tally.ts';
import { getTask, parseWorkflow, type TaskSpec, type WorkflowSpec } from './spec.ts';
import {
  ABENDED_STATUSES,
  ACTIVE_STATUSES,
  CANCEL_STATUSES,
  COMPLETED_STATUSES,
  ENGINE_COMMANDS,
  isEngineCommand,
  isValidStatus,
  PAUSE_STATUSES,
  RUNNING_STATUSES,
  S,
  STARTING_STATUSES,
  TASK_CONDITIONAL_EVENTS,
  TASK_STATE_MACHINE,
  WORKFLOW_STATE_MACHINE,
} from './statuses.ts';
import {
  type Ctx,
  type EvalScope,
  evaluateValue,
  formatEvaluationError,
  type TaskLookup,
  truthy,
} from './workflow-expressions.ts';

export interface TaskRetryState {
  when?: string | null;
  count: number;
  delay?: number | null;
  tally: number;
}

/** One entry of the task sequence (a task run; a cycle or rerun adds a new entry). */
export interface TaskStateEntry {
  id: string;
  route: number;
  ctxs: { in: number[]; out?: Record<string, number> };
  prev: Record<string, number>;
  next: Record<string, boolean>;
  status?: string;
  retry?: TaskRetryState;
  term?: boolean;
}

export interface StagedTask {
  id: string;
  route: number;
  ctxs: { in: number[] };
  prev: Record<string, number>;
  ready: boolean;
  retry?: TaskRetryState;
  items?: Array<{ status: string }>;
  completed?: boolean;
  run_on_fail?: boolean;
}

export interface WorkflowStateData {
  contexts: Ctx[];
  routes: string[][];
  sequence: TaskStateEntry[];
  staged: StagedTask[];
  status: string;
  /** `${task}__r${route}` → index in `sequence` of its latest entry. */
  tasks: Record<string, number>;
  reruns?: number[][];
  /** Latest result of each task run (`task__rN`), kept only when the workflow uses st2's task(). */
  results?: Record<string, unknown>;
}

export interface WorkflowLogEntry {
  type: 'info' | 'warn' | 'error';
  message: string;
  task_id?: string;
  route?: number;
  task_transition_id?: string;
  result?: unknown;
  data?: unknown;
}

/** The serialized conductor. `spec` is the workflow definition (omitted with `serialize({ spec: false })`). */
export interface ConductorData {
  spec?: unknown;
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  state: WorkflowStateData;
  log: WorkflowLogEntry[];
  errors: WorkflowLogEntry[];
  output: Record<string, unknown> | null;
}

/** A task event from the caller: an action (or one with-items item) changed status. */
export interface TaskEvent {
  status: string;
  result?: unknown;
  /** With-items: the item this event is about. */
  itemId?: number;
  /** With-items: results of all items so far, in item order (becomes the task's result(); copied when kept). */
  accumulatedResult?: unknown[];
}

export interface TaskAction {
  action: string | null;
  input: unknown;
  item_id?: number;
}

/** A task to start, rendered against its context. */
export interface NextTask {
  id: string;
  route: number;
  /** Rendered action ref (null for an action-less task). For with-items: the first pending item's. */
  action: string | null;
  /** Rendered input (null when the task has none). */
  input: unknown;
  /** Actions to start: one for a plain task, the items allowed to start now for a with-items task. */
  actions: TaskAction[];
  /** Seconds to wait before starting (task delay, or retry delay on a retry). */
  delay?: number;
  /** With-items: total number of items and the concurrency cap. */
  items_count?: number;
  concurrency?: number | null;
  /** The task's context (workflow variables visible to it). */
  ctx: Ctx;
}

export interface RerunRequest {
  task_id: string;
  route?: number;
  reset_items?: boolean;
}

export interface ConductorOptions {
  inputs?: Record<string, unknown>;
  /** Parent context (st2: `{st2: {...}, parent: ...}`), merged under inputs and vars. */
  context?: Record<string, unknown>;
  /** Extra expression functions (st2kv, task, config_pack...). */
  functions?: Record<string, ExpressionFunction>;
  /**
   * Shapes the `result` st2's task() returns, as the runtime stores it (st2 keeps a with-items task's result as
   * `{items: [{status, result}, ...]}`, while result() and the conductor see the list of item results).
   * Default: the conductor's result as it is.
   */
  taskResult?: (task: { id: string; route: number; itemized: boolean }, result: unknown) => unknown;
}

interface InternalEvent {
  kind: 'action' | 'item' | 'engine';
  name: string;
  status: string;
  result?: unknown;
  itemId?: number;
  accumulatedResult?: unknown[];
}

export class WorkflowConductorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowConductorError';
  }
}

const key = (id: string, route: number) => `${id}__r${route}`;

const PAUSED_OR_PENDING = new Set<string>([S.PAUSED, S.PENDING]);
const CANCELING_OR_CANCELED = new Set<string>([S.CANCELING, S.CANCELED]);
const PAUSING_PAUSED_PENDING = new Set<string>([S.PAUSING, S.PAUSED, S.PENDING]);
/** Item statuses whose event name carries the state of the other items (machines.add_context_to_task_item_event). */
const ITEM_CONTEXT_STATUSES = new Set<string>([
  S.RESUMING,
  S.PENDING,
  S.PAUSED,
  S.SUCCEEDED,
  S.FAILED,
  S.EXPIRED,
  S.ABANDONED,
  S.CANCELED,
]);

const UNSET_ONLY: ReadonlySet<string> = new Set([S.UNSET]);
/** Statuses after which a task entry no longer counts as active, paused, pending or canceled. */
const DONE_STATUSES = new Set<string>([S.SUCCEEDED, S.FAILED, S.EXPIRED, S.ABANDONED]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge (dicts merge recursively, right wins), without mutating either side. */
export function mergeDicts(left: Ctx, right: Ctx): Ctx {
  const out: Ctx = { ...left };
  for (const k of Object.keys(right)) {
    const l = out[k];
    const r = right[k];
    out[k] = isRecord(l) && isRecord(r) ? mergeDicts(l, r) : r;
  }
  return out;
}

function stripPrivate(ctx: Ctx): Ctx {
  let out: Ctx | undefined;
  for (const k of Object.keys(ctx)) {
    if (k.startsWith('__')) {
      out ??= { ...ctx };
      delete out[k];
    }
  }
  return out ?? ctx;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Ctx)[k], (b as Ctx)[k]));
}

interface LogIndex {
  size: number;
  buckets: Map<string, WorkflowLogEntry[]>;
}

function logKey(e: WorkflowLogEntry): string {
  return `${e.type}\u0000${e.task_id ?? ''}\u0000${e.route ?? ''}\u0000${e.message}`;
}

function addToLogIndex(index: LogIndex, e: WorkflowLogEntry): void {
  const k = logKey(e);
  const bucket = index.buckets.get(k);
  if (bucket) bucket.push(e);
  else index.buckets.set(k, [e]);
  index.size++;
}

function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A with-items task's concurrency (null: no cap). */
function itemConcurrency(spec: TaskSpec, scope: EvalScope): number | null {
  if (spec.with?.concurrency === undefined) return null;
  const c = evaluateValue(spec.with.concurrency, scope);
  return c === null || c === undefined ? null : Number(c);
}

/** How many more items may start. A cap below 1 would never start anything: it counts as 1. */
function room(cap: number | null, active: number): number {
  return cap === null ? Infinity : Math.max(1, cap) - active;
}

/** One with-items item's action and input. */
function renderItem(spec: TaskSpec, scope: EvalScope, items: unknown[], idx: number): TaskAction {
  const raw = items[idx];
  const keys = spec.with?.keys;
  let item: unknown = raw;
  if (keys && Array.isArray(raw)) item = Object.fromEntries(keys.map((k, i) => [k, raw[i] ?? null]));
  else if (keys && keys.length === 1) item = { [keys[0] as string]: raw };
  const itemScope: EvalScope = { ...scope, item, hasItem: true };
  return {
    action: (evaluateValue(spec.action ?? null, itemScope) as string | null) ?? null,
    input: evaluateValue(spec.input ?? null, itemScope) ?? null,
    item_id: idx,
  };
}

export function isCompletedStatus(status: string): boolean {
  return COMPLETED_STATUSES.has(status);
}

export class Conductor implements TaskLookup {
  readonly spec: WorkflowSpec;
  readonly graph: WorkflowGraph;
  private state: WorkflowStateData;
  private inputs: Record<string, unknown>;
  private parentCtx: Record<string, unknown>;
  private outputs: Record<string, unknown> | null = null;
  private readonly functions?: Record<string, ExpressionFunction>;
  private readonly taskResult?: ConductorOptions['taskResult'];
  readonly errors: WorkflowLogEntry[] = [];
  readonly log: WorkflowLogEntry[] = [];
  /** Cache (not serialized): sequence indices of latest task entries that are not done (active, paused...). */
  private open = new Set<number>();
  /** Whether task results are kept (the workflow calls st2's task()). */
  private readonly tracksResults: boolean;
  /** Cache (not serialized): merged contexts by context index list. */
  private ctxCache = new Map<string, Ctx>();
  /** Cache (not serialized): log and error entries by task and message, to log each entry once. */
  private logIndex = new Map<WorkflowLogEntry[], LogIndex>();

  constructor(spec: WorkflowSpec | string | object, options: ConductorOptions = {}, restore?: ConductorData) {
    this.spec = isWorkflowSpec(spec) ? spec : parseWorkflow(spec);
    this.graph = composeGraph(this.spec);
    this.functions = options.functions;
    this.taskResult = options.taskResult;
    this.tracksResults = usesTaskFunction(this.spec);
    if (restore) {
      this.inputs = restore.input ?? {};
      this.parentCtx = restore.context ?? {};
      this.state = restore.state;
      this.outputs = restore.output ?? null;
      this.errors.push(...(restore.errors ?? []));
      this.log.push(...(restore.log ?? []));
      for (const idx of Object.values(this.state.tasks)) this.track(idx);
      return;
    }
    this.inputs = options.inputs ?? {};
    this.parentCtx = options.context ?? {};
    this.state = { contexts: [], routes: [], sequence: [], staged: [], status: S.UNSET, tasks: {} };
    this.initialize();
  }

  // ---------- serialization ----------

  /**
   * The state as plain JSON data. `spec: false` leaves the definition out (store it once elsewhere);
   * `copy: false` returns live references (cheaper; only for callers that stringify at once and never mutate).
   */
  serialize(options: { spec?: boolean; copy?: boolean } = {}): ConductorData {
    const data: ConductorData = {
      input: this.inputs,
      context: this.parentCtx,
      state: this.state,
      log: this.log,
      errors: this.errors,
      output: this.outputs,
    };
    if (options.spec !== false) data.spec = this.spec.definition;
    return options.copy === false ? data : cloneJson(data);
  }

  /** Restores a conductor; pass `spec` when the data was serialized without it (or to reuse a parsed spec). */
  static deserialize(
    data: ConductorData | string,
    spec?: WorkflowSpec | string | object,
    options: Omit<ConductorOptions, 'inputs' | 'context'> = {},
  ): Conductor {
    const d = (typeof data === 'string' ? JSON.parse(data) : cloneJson(data)) as ConductorData;
    const source = spec ?? d.spec;
    if (source === undefined)
      throw new WorkflowConductorError('Conductor.deserialize: no workflow spec given.');
    return new Conductor(source as WorkflowSpec, options, d);
  }

  // ---------- initialization ----------

  private initialize(): void {
    const scope = (ctx: Ctx): EvalScope => ({ ctx, functions: this.functions });
    let ctx: Ctx = cloneJson(this.parentCtx) ?? {};
    const errors: string[] = [];
    // Inputs: runtime value or default, rendered in order (orquesta render_input).
    const rolling: Ctx = { ...ctx };
    for (const input of this.spec.input) {
      // Given values are data (they may come from chat or webhooks): only defaults are rendered.
      if (Object.hasOwn(this.inputs, input.name)) {
        rolling[input.name] = this.inputs[input.name] ?? null;
        continue;
      }
      try {
        rolling[input.name] = evaluateValue(input.default ?? null, scope(rolling));
      } catch (e) {
        errors.push(formatEvaluationError(e));
      }
    }
    ctx = mergeDicts(ctx, rolling);
    const vars: Ctx = {};
    const varCtx: Ctx = { ...ctx };
    for (const [name, value] of this.spec.vars) {
      try {
        const v = evaluateValue(value, scope(varCtx));
        varCtx[name] = v;
        vars[name] = v;
      } catch (e) {
        errors.push(formatEvaluationError(e));
      }
    }
    ctx = mergeDicts(ctx, vars);
    if (errors.length > 0) {
      for (const message of errors) this.logEntry('error', message);
      this.requestWorkflowStatus(S.FAILED);
    }
    if (!ABENDED_STATUSES.has(this.state.status)) {
      this.state.contexts.push(ctx);
      this.state.routes.push([]);
      for (const root of this.graph.roots) this.addStagedTask(root, 0, [0], {}, true);
    }
  }

  // ---------- logging ----------

  private logEntry(
    type: WorkflowLogEntry['type'],
    message: string,
    extra: { task_id?: string; route?: number; task_transition_id?: string; result?: unknown } = {},
  ): void {
    const entry: WorkflowLogEntry = { type, message };
    if (extra.task_id !== undefined) entry.task_id = extra.task_id;
    if (extra.route !== undefined && extra.route !== null) entry.route = extra.route;
    if (extra.task_transition_id !== undefined) entry.task_transition_id = extra.task_transition_id;
    if (extra.result !== undefined && extra.result !== null) entry.result = extra.result;
    const log = type === 'error' ? this.errors : this.log;
    // Orquesta logs an entry once: compare with the entries of the same task and message only (many failed
    // items made comparing with every entry quadratic).
    let index = this.logIndex.get(log);
    if (!index || index.size !== log.length) {
      index = { size: 0, buckets: new Map() };
      for (const e of log) addToLogIndex(index, e);
      this.logIndex.set(log, index);
    }
    if (index.buckets.get(logKey(entry))?.some((e) => deepEqual(e, entry))) return;
    log.push(entry);
    addToLogIndex(index, entry);
  }

  private logError(
    error: unknown,
    extra: { task_id?: string; route?: number; task_transition_id?: string } = {},
  ): void {
    this.logEntry('error', formatEvaluationError(error), extra);
  }

  // ---------- accessors ----------

  getWorkflowStatus(): string {
    return this.state.status;
  }

  getWorkflowInput(): Record<string, unknown> {
    return this.inputs;
  }

  getWorkflowParentContext(): Record<string, unknown> {
    return this.parentCtx;
  }

  /** The live state (read-only by convention; use serialize() for a copy). */
  get workflowState(): Readonly<WorkflowStateData> {
    return this.state;
  }

  getWorkflowOutput(): Record<string, unknown> | null {
    return this.outputs && Object.keys(this.outputs).length > 0 ? this.outputs : null;
  }

  /** Task sequence as `task__rN` ids, in run order. */
  getTaskSequence(): string[] {
    return this.state.sequence.map((t) => key(t.id, t.route));
  }

  getRoutes(): string[][] {
    return this.state.routes;
  }

  getTerminalTasks(): TaskStateEntry[] {
    return this.state.sequence.filter((t) => t.term === true);
  }

  getTaskState(taskId: string, route = 0): TaskStateEntry | undefined {
    const idx = this.state.tasks[key(taskId, route)];
    return idx === undefined ? undefined : this.state.sequence[idx];
  }

  getStagedTask(taskId: string, route: number): StagedTask | undefined {
    return this.state.staged.find((s) => s.id === taskId && s.route === route);
  }

  // ---------- task state queries ----------

  private latestEntries(): TaskStateEntry[] {
    const out: TaskStateEntry[] = [];
    for (const idx of Object.values(this.state.tasks)) {
      const t = this.state.sequence[idx];
      if (t) out.push(t);
    }
    return out;
  }

  /** Keeps `open` in step with the status of the latest entry at `idx`. */
  private track(idx: number | undefined): void {
    if (idx === undefined) return;
    const status = this.state.sequence[idx]?.status;
    if (status === undefined || !DONE_STATUSES.has(status)) this.open.add(idx);
    else this.open.delete(idx);
  }

  private trackEntry(entry: TaskStateEntry): void {
    const idx = this.state.tasks[key(entry.id, entry.route)];
    if (idx !== undefined && this.state.sequence[idx] === entry) this.track(idx);
  }

  private hasTaskWithStatus(statuses: ReadonlySet<string>): boolean {
    for (const idx of this.open) {
      const status = this.state.sequence[idx]?.status;
      if (status !== undefined && statuses.has(status)) return true;
    }
    return false;
  }

  private get hasActiveTasks(): boolean {
    return this.hasTaskWithStatus(ACTIVE_STATUSES);
  }

  private stagedReady(): StagedTask[] {
    return this.state.staged.filter((s) => s.ready && !s.completed);
  }

  private get hasStagedTasks(): boolean {
    return this.state.staged.some((s) => s.ready && !s.completed);
  }

  private addStagedTask(
    id: string,
    route: number,
    ctxs: number[],
    prev: Record<string, number>,
    ready: boolean,
    retry?: TaskRetryState,
  ): StagedTask {
    const entry: StagedTask = { id, ctxs: { in: ctxs.length > 0 ? ctxs : [0] }, route, prev, ready };
    if (retry) entry.retry = retry;
    this.state.staged.push(entry);
    return entry;
  }

  private removeStagedTask(id: string, route: number): void {
    const i = this.state.staged.findIndex((s) => s.id === id && s.route === route);
    if (i < 0) return;
    const staged = this.state.staged[i] as StagedTask;
    if (staged.items && countItems(staged.items, ACTIVE_STATUSES) > 0) return;
    this.state.staged.splice(i, 1);
  }

  /** Merged context of a list of context indices (contexts are append-only, so merges are cached). */
  private taskContext(idxs: number[]): Ctx {
    const k = idxs.join(',');
    const cached = this.ctxCache.get(k);
    if (cached) return cached;
    let ctx: Ctx;
    const prefix = idxs.length > 1 ? this.ctxCache.get(idxs.slice(0, -1).join(',')) : undefined;
    if (prefix) {
      ctx = mergeDicts(prefix, this.state.contexts[idxs[idxs.length - 1] as number] ?? {});
    } else {
      ctx = {};
      for (const i of idxs) {
        const c = this.state.contexts[i];
        if (c) ctx = i === idxs[0] ? { ...c } : mergeDicts(ctx, c);
      }
    }
    if (this.ctxCache.size >= 512) this.ctxCache.delete(this.ctxCache.keys().next().value as string);
    this.ctxCache.set(k, ctx);
    return ctx;
  }

  private taskInitialContext(taskId: string, route: number): Ctx | undefined {
    const staged = this.getStagedTask(taskId, route);
    if (staged) return this.taskContext(staged.ctxs.in);
    const entry = this.getTaskState(taskId, route);
    if (entry) return this.taskContext(entry.ctxs.in);
    return undefined;
  }

  /** Status of a task as seen from a route (falls back to the routes it split from), as task_status(). */
  taskStatus(taskId: string, route = 0): string {
    const idx = this.state.tasks[key(taskId, route)];
    if (idx === undefined) {
      if (route > 0) {
        const current = new Set(this.state.routes[route] ?? []);
        for (let r = route - 1; r >= 0; r--) {
          const prev = this.state.routes[r] ?? [];
          if (prev.every((p) => current.has(p))) return this.taskStatus(taskId, r);
        }
      }
      return S.UNSET;
    }
    return this.state.sequence[idx]?.status ?? S.UNSET;
  }

  /** st2's task(): the latest run of a task as seen from the current route. */
  taskInfo(currentTask: EvalScope['currentTask'], taskId?: string, route?: number): unknown {
    const id = taskId ?? currentTask?.id;
    if (!id) throw new WorkflowConductorError('task(): no task given and no current task.');
    let r = route ?? currentTask?.route ?? 0;
    while (r > 0 && this.state.tasks[key(id, r)] === undefined) r--;
    const entry = this.getTaskState(id, r);
    if (!entry) throw new WorkflowConductorError(`task(): the task "${id}" has not run.`);
    const isCurrent = currentTask && currentTask.id === id && currentTask.route === r;
    const result =
      isCurrent && 'result' in currentTask ? currentTask.result : this.state.results?.[key(id, r)];
    const shaped = this.taskResult
      ? this.taskResult({ id, route: r, itemized: Boolean(getTask(this.spec, id)?.with) }, result ?? null)
      : result;
    return { task_id: id, task_name: id, route: r, status: entry.status ?? S.UNSET, result: shaped ?? null };
  }

  private scope(ctx: Ctx, currentTask?: EvalScope['currentTask']): EvalScope {
    const scope: EvalScope = { ctx: stripPrivate(ctx), tasks: this };
    if (currentTask) scope.currentTask = currentTask;
    if (this.functions) scope.functions = this.functions;
    return scope;
  }

  // ---------- workflow status ----------

  requestWorkflowStatus(status: string): void {
    if (!isValidStatus(status)) throw new WorkflowConductorError(`The status "${status}" is not valid.`);
    const current = this.state.status;
    for (const task of this.latestEntries()) {
      if (task.status !== undefined && ACTIVE_STATUSES.has(task.status))
        this.processTaskWorkflowEvent(task, status);
    }
    this.processWorkflowEvent(status);
    const updated = this.state.status;
    if (status === S.PAUSED && current === S.PAUSING && updated === S.PAUSING) return;
    if (status === S.CANCELED && current === S.CANCELING && updated === S.CANCELING) return;
    if (status !== current && current === updated) {
      throw new WorkflowConductorError(
        `Unable to change workflow status from "${current}" to "${status}" (event "workflow_${status}").`,
      );
    }
  }

  private processTaskWorkflowEvent(task: TaskStateEntry, status: string): void {
    let name = `workflow_${status}`;
    const staged = this.getStagedTask(task.id, task.route);
    if ((PAUSE_STATUSES.has(status) || CANCEL_STATUSES.has(status)) && staged?.items) {
      const items = summarizeItems(staged.items);
      name += items.active ? '_task_active' : '_task_dormant';
      name += items.incomplete ? '_items_incomplete' : '_items_completed';
    }
    const next = TASK_STATE_MACHINE[task.status ?? S.UNSET]?.[name];
    if (next) {
      task.status = next;
      this.trackEntry(task);
    }
  }

  private processWorkflowEvent(status: string): void {
    let name = `workflow_${status}`;
    if (PAUSE_STATUSES.has(status) || CANCEL_STATUSES.has(status)) {
      name += this.hasActiveTasks ? '_workflow_active' : '_workflow_dormant';
    }
    if (
      this.state.status === S.PAUSED &&
      (status === S.RUNNING || status === S.RESUMING) &&
      !this.hasActiveTasks &&
      !this.hasStagedTasks &&
      !this.hasTaskWithStatus(PAUSED_OR_PENDING)
    ) {
      name += '_workflow_completed';
    }
    const next = WORKFLOW_STATE_MACHINE[this.state.status]?.[name];
    if (next) this.state.status = next;
  }

  private processTaskEvent(taskId: string, route: number, status: string): void {
    let name = `task_${status}`;
    const hasNext = this.hasNextTasks(taskId, route);
    if (ABENDED_STATUSES.has(status) && (hasNext || this.hasBarrierNext(taskId, route)))
      name = 'task_remediated';
    if (TASK_CONDITIONAL_EVENTS.has(name))
      name += this.hasActiveTasks ? '_workflow_active' : '_workflow_dormant';
    if (name.startsWith('task_succeeded') || name.startsWith('task_remediated')) {
      if (this.hasTaskWithStatus(CANCELING_OR_CANCELED)) name += '_canceled';
      else if (this.hasTaskWithStatus(PAUSING_PAUSED_PENDING)) name += '_paused';
      else if (this.hasStagedTasks || hasNext) name += '_incomplete';
      else name += '_completed';
    }
    const next = WORKFLOW_STATE_MACHINE[this.state.status]?.[name];
    if (!next) return;
    this.state.status = next;
    if (COMPLETED_STATUSES.has(this.state.status)) {
      const unreachable = this.unreachableBarriers();
      if (unreachable.length > 0) {
        this.state.status = S.FAILED;
        for (const entry of unreachable) {
          this.logEntry(
            'error',
            `UnreachableJoinError: The join task|route "${entry.id}|${entry.route}" is partially satisfied but unreachable.`,
            { task_id: entry.id, route: entry.route },
          );
        }
      }
    }
  }

  private unreachableBarriers(): StagedTask[] {
    return this.state.staged.filter(
      (s) =>
        this.graph.barriers.has(s.id) &&
        !s.ready &&
        this.inboundCriteriaStatus(s.id, s.route) === 'not_satisfied',
    );
  }

  private inboundCriteriaStatus(taskId: string, route: number): 'satisfied' | 'wip' | 'not_satisfied' {
    const inbound = this.graph.prev.get(taskId) ?? [];
    const evaluation = new Map<string, boolean | null>();
    for (const e of inbound) evaluation.set(e.src, null);
    const barrier = this.graph.nodes.get(taskId)?.barrier ?? 1;
    const requirement = barrier === '*' ? evaluation.size : barrier;
    for (const e of inbound) {
      const prev = this.getTaskState(e.src, route);
      if (!prev) continue;
      const satisfied = prev.next[e.transitionId] === true;
      if (!evaluation.get(e.src)) evaluation.set(e.src, satisfied);
    }
    let count = 0;
    let pending = false;
    for (const v of evaluation.values()) {
      if (v === true) count++;
      if (v === null) pending = true;
    }
    if (count >= requirement) return 'satisfied';
    if (pending && (this.hasActiveTasks || this.hasStagedTasks)) return 'wip';
    return 'not_satisfied';
  }

  /** With no task: whether any task is staged and ready. With a task: whether its completion leads on. */
  hasNextTasks(taskId?: string, route = 0): boolean {
    if (!taskId) return this.hasStagedTasks;
    const entry = this.getTaskState(taskId, route);
    if (!entry || entry.status === undefined || !COMPLETED_STATUSES.has(entry.status)) return false;
    for (const e of this.graph.next.get(taskId) ?? []) {
      if (e.dst === 'continue') continue;
      if (!entry.next[e.transitionId]) continue;
      if (this.graph.barriers.has(e.dst) && this.inboundCriteriaStatus(e.dst, route) === 'not_satisfied')
        continue;
      return true;
    }
    return false;
  }

  /** Whether a completed task's satisfied transitions lead to a join (which decides later if it is reachable). */
  private hasBarrierNext(taskId: string, route: number): boolean {
    const entry = this.getTaskState(taskId, route);
    if (!entry) return false;
    return (this.graph.next.get(taskId) ?? []).some(
      (e) => entry.next[e.transitionId] && this.graph.barriers.has(e.dst),
    );
  }

  // ---------- next tasks ----------

  /**
   * Renders a staged task: its action and input, or for a with-items task the items that may start now (not
   * started yet, within the concurrency cap). Undefined when a with-items task has nothing to start: it is not
   * rendered again (Orquesta renders every item on every call only to drop the started ones).
   */
  private renderTask(staged: StagedTask): NextTask | undefined {
    const { id, route } = staged;
    const ctx = this.taskInitialContext(id, route) ?? this.taskContext([0]);
    const spec = getTask(this.spec, id);
    const scope = this.scope(ctx, { id, route });
    let started = staged.items && staged.items.length > 0 ? staged.items : undefined;
    let cap: number | null = null;
    let limit = Infinity;
    if (spec.with && started) {
      cap = itemConcurrency(spec, scope);
      limit = room(cap, countItems(started, ACTIVE_STATUSES));
      if (limit <= 0 || countItems(started, UNSET_ONLY) === 0) return undefined;
    }
    const actions: TaskAction[] = [];
    const task: NextTask = { id, route, action: null, input: null, actions, ctx: scope.ctx };
    if (spec.delay !== undefined && spec.delay !== 0 && spec.delay !== '') {
      const delay = typeof spec.delay === 'string' ? evaluateValue(spec.delay, scope) : spec.delay;
      if (typeof delay !== 'number' || !Number.isInteger(delay)) {
        throw new WorkflowConductorError('The value of task delay is not type of integer.');
      }
      task.delay = delay;
    }
    if (!spec.with) {
      actions.push({
        action: (evaluateValue(spec.action ?? null, scope) as string | null) ?? null,
        input: evaluateValue(spec.input ?? null, scope) ?? null,
      });
      return task;
    }
    const items = evaluateValue(spec.with.expression, scope);
    if (!Array.isArray(items)) {
      throw new WorkflowConductorError(`The value of "${spec.with.expression}" is not type of list.`);
    }
    task.items_count = items.length;
    if (started) {
      for (const idx of unstartedItems(started, limit, items.length))
        actions.push(renderItem(spec, scope, items, idx));
      task.concurrency = cap;
      return task;
    }
    // First render: every item is rendered, so one that cannot be rendered fails the task now, as in Orquesta.
    const all: TaskAction[] = [];
    for (let idx = 0; idx < items.length; idx++) all.push(renderItem(spec, scope, items, idx));
    task.concurrency = itemConcurrency(spec, scope);
    started = Array.from({ length: items.length }, () => ({ status: S.UNSET }));
    staged.items = started;
    for (const idx of unstartedItems(started, room(task.concurrency, 0)))
      actions.push(all[idx] as TaskAction);
    return task;
  }

  /** Tasks to start now, sorted by (id, route). Rendering errors fail the workflow (all are logged). */
  getNextTasks(): NextTask[] {
    const staged = this.stagedReady();
    let candidates = staged;
    if (this.state.status === S.FAILED) {
      const remediation = staged.filter((s) => s.run_on_fail === true);
      if (remediation.length === 0) return [];
      candidates = remediation;
    } else if (!RUNNING_STATUSES.has(this.state.status)) {
      return [];
    }
    const out: NextTask[] = [];
    let failed = false;
    for (const s of candidates) {
      try {
        const task = this.renderTask(s);
        if (!task) continue;
        if (s.retry) task.delay = s.retry.delay ?? 0;
        const first = task.actions[0];
        if (first) {
          task.action = first.action;
          task.input = first.input;
        }
        if (task.actions.length > 0 || task.items_count === 0) out.push(task);
      } catch (e) {
        failed = true;
        this.logError(e, { task_id: s.id, route: s.route });
      }
    }
    if (failed) {
      this.requestWorkflowStatus(S.FAILED);
      return [];
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.route - b.route));
  }

  // ---------- task state updates ----------

  private setupRetry(entry: TaskStateEntry, ctxIdxs: number[]): void {
    const spec = this.graph.nodes.get(entry.id)?.retry;
    if (!spec) return;
    const ctx = this.taskContext(ctxIdxs);
    const scope = this.scope(ctx);
    const retry: TaskRetryState = { when: spec.when ?? null, count: 0, delay: null, tally: 0 };
    const count = typeof spec.count === 'string' ? evaluateValue(spec.count, scope) : spec.count;
    if (typeof count !== 'number' || !Number.isInteger(count)) {
      throw new WorkflowConductorError(`The retry count for task "${entry.id}" is not an integer.`);
    }
    retry.count = count;
    if (spec.delay !== undefined && spec.delay !== null) {
      const delay = typeof spec.delay === 'string' ? evaluateValue(spec.delay, scope) : spec.delay;
      if (typeof delay !== 'number' || !Number.isInteger(delay)) {
        throw new WorkflowConductorError(`The retry delay for task "${entry.id}" is not an integer.`);
      }
      retry.delay = delay;
    }
    entry.retry = retry;
  }

  private addTaskState(
    taskId: string,
    route: number,
    ctxIdxs: number[],
    prev: Record<string, number>,
  ): TaskStateEntry {
    if (!this.graph.nodes.has(taskId))
      throw new WorkflowConductorError(`The task "${taskId}" is not in the graph.`);
    const entry: TaskStateEntry = {
      id: taskId,
      route,
      ctxs: { in: ctxIdxs.length > 0 ? ctxIdxs : [0] },
      prev: prev ?? {},
      next: {},
    };
    this.setupRetry(entry, entry.ctxs.in);
    this.state.sequence.push(entry);
    const k = key(taskId, route);
    const previous = this.state.tasks[k];
    if (previous !== undefined) this.open.delete(previous);
    this.state.tasks[k] = this.state.sequence.length - 1;
    this.track(this.state.sequence.length - 1);
    return entry;
  }

  /**
   * Feeds a task event (an action's or a with-items item's status change) to the conductor.
   * Returns the task's state entry.
   */
  updateTaskState(taskId: string, route: number, event: TaskEvent): TaskStateEntry {
    if (!isValidStatus(event.status))
      throw new WorkflowConductorError(`The status "${event.status}" is not valid.`);
    const internal: InternalEvent =
      event.itemId !== undefined
        ? {
            kind: 'item',
            name: `action_${event.status}`,
            status: event.status,
            result: event.result,
            itemId: event.itemId,
            accumulatedResult: event.accumulatedResult,
          }
        : { kind: 'action', name: `action_${event.status}`, status: event.status, result: event.result };
    return this.applyTaskEvent(taskId, route, internal);
  }

  private applyTaskEvent(taskId: string, route: number, event: InternalEvent): TaskStateEntry {
    if (!this.graph.nodes.has(taskId))
      throw new WorkflowConductorError(`The task "${taskId}" is not in the graph.`);
    const engineQueue: Array<[string, number]> = [];
    let staged = this.getStagedTask(taskId, route);
    let entry = this.getTaskState(taskId, route);
    const spec: TaskSpec = getTask(this.spec, taskId);
    if (!staged && !entry) {
      throw new WorkflowConductorError(
        `The task "${taskId}" (route ${route}) is neither staged nor started.`,
      );
    }
    if (!entry || isEngineCommand(taskId)) {
      const s = staged as StagedTask;
      entry = this.addTaskState(taskId, s.route, s.ctxs.in, s.prev);
    }
    let entryIdx = this.state.tasks[key(taskId, route)] as number;
    // A completed task that starts again is a new run (cycle): new sequence entry.
    if (
      entry.status !== undefined &&
      COMPLETED_STATUSES.has(entry.status) &&
      STARTING_STATUSES.has(event.status)
    ) {
      const s = staged as StagedTask;
      if (!s)
        throw new WorkflowConductorError(`The task "${taskId}" (route ${route}) is not staged to run again.`);
      entry = this.addTaskState(taskId, s.route, s.ctxs.in, s.prev);
      entryIdx = this.state.tasks[key(taskId, route)] as number;
    }
    if (event.status && staged && !staged.items) this.removeStagedTask(taskId, route);
    if (staged?.items && event.kind === 'item' && event.itemId !== undefined) {
      setItemStatus(staged.items, event.itemId, event.status);
    }
    if (event.status === S.FAILED) {
      this.logEntry('error', 'Execution failed. See result for details.', {
        task_id: taskId,
        result: event.result,
      });
    }
    const oldStatus = entry.status ?? S.UNSET;
    this.processTaskStatusEvent(entry, staged, event);
    const newStatus = entry.status ?? S.UNSET;

    if (newStatus === S.RETRYING) {
      const retry = entry.retry as TaskRetryState;
      retry.tally += 1;
      this.removeStagedTask(taskId, route);
      this.addStagedTask(taskId, route, entry.ctxs.in, entry.prev, true, retry);
    }

    let currentCtx: Ctx | undefined;
    let result: unknown;
    if (COMPLETED_STATUSES.has(newStatus)) {
      if (!(spec.with && ABENDED_STATUSES.has(newStatus))) {
        this.removeStagedTask(taskId, route);
      } else {
        staged = this.getStagedTask(taskId, route);
        if (staged) staged.completed = true;
      }
      // The caller's accumulated list keeps growing (and changes on rerun): keep a copy of it.
      result = spec.with
        ? event.kind === 'item'
          ? [...(event.accumulatedResult ?? [])]
          : truthy(event.result)
            ? event.result
            : []
        : event.result;
      if (this.tracksResults) {
        this.state.results ??= {};
        this.state.results[key(taskId, route)] = result ?? null;
      }
      currentCtx = this.taskContext(entry.ctxs.in);
      if (ACTIVE_STATUSES.has(this.state.status) && this.shouldRetry(entry, currentCtx, result)) {
        return this.applyTaskEvent(taskId, route, {
          kind: 'engine',
          name: ENGINE_COMMANDS.retry?.event as string,
          status: S.RETRYING,
        });
      }
    }

    if (COMPLETED_STATUSES.has(newStatus) && newStatus !== oldStatus) {
      this.evaluateTransitions(entry, entryIdx, spec, currentCtx as Ctx, result, engineQueue);
    }

    this.processTaskEvent(taskId, route, entry.status ?? S.UNSET);

    for (const [nextId, nextRoute] of engineQueue) {
      const cmd = ENGINE_COMMANDS[nextId] as { event: string; status: string };
      this.applyTaskEvent(nextId, nextRoute, { kind: 'engine', name: cmd.event, status: cmd.status });
    }

    if (COMPLETED_STATUSES.has(this.state.status)) entry.term = true;
    return entry;
  }

  private processTaskStatusEvent(
    entry: TaskStateEntry,
    staged: StagedTask | undefined,
    event: InternalEvent,
  ): void {
    let name = event.name;
    if (event.kind === 'item' && ITEM_CONTEXT_STATUSES.has(event.status)) {
      // The other items' statuses, from counts (an item event must not walk the item list).
      const { active, incomplete, paused, canceled, failed } = summarizeItems(
        staged?.items ?? [],
        event.itemId,
      );
      name += active ? '_task_active' : '_task_dormant';
      if (!active && paused) name += '_items_paused';
      else if (!active && canceled) name += '_items_canceled';
      else if (!active && failed) name += '_items_failed';
      else name += incomplete ? '_items_incomplete' : '_items_completed';
    }
    const next = TASK_STATE_MACHINE[entry.status ?? S.UNSET]?.[name];
    if (next) {
      entry.status = next;
      this.trackEntry(entry);
    }
  }

  private shouldRetry(entry: TaskStateEntry, ctx: Ctx, result: unknown): boolean {
    const retry = entry.retry;
    if (!retry) return false;
    if (retry.tally >= retry.count) return false;
    const status = entry.status ?? S.UNSET;
    if (ABENDED_STATUSES.has(status) && (retry.when === null || retry.when === undefined)) return true;
    if (retry.when === null || retry.when === undefined) return false;
    return truthy(evaluateValue(retry.when, this.scope(ctx, { id: entry.id, route: entry.route, result })));
  }

  private evaluateTransitions(
    entry: TaskStateEntry,
    entryIdx: number,
    spec: TaskSpec,
    inCtx: Ctx,
    result: unknown,
    engineQueue: Array<[string, number]>,
  ): void {
    const taskId = entry.id;
    const route = entry.route;
    const transitions = this.graph.next.get(taskId) ?? [];
    if (transitions.length === 0) entry.term = true;
    const current = { id: taskId, route, result };
    const scope = this.scope(inCtx, current);
    let hasManualFail = false;
    const stagedNext: StagedTask[] = [];
    for (const t of transitions) {
      try {
        let satisfied = true;
        for (const c of t.criteria) {
          if (!truthy(evaluateValue(c, scope))) {
            satisfied = false;
            break;
          }
        }
        entry.next[t.transitionId] = satisfied;
      } catch (e) {
        this.logError(e, { task_id: taskId, route, task_transition_id: t.transitionId });
        this.requestWorkflowStatus(S.FAILED);
        continue;
      }
      if (!entry.next[t.transitionId]) continue;
      const { published, errors } = this.publish(spec, t, scope);
      if (errors.length > 0) {
        for (const e of errors)
          this.logError(e, { task_id: taskId, route, task_transition_id: t.transitionId });
        this.requestWorkflowStatus(S.FAILED);
        continue;
      }
      const outIdxs = [...entry.ctxs.in];
      if (Object.keys(published).length > 0) {
        this.state.contexts.push(published);
        const idx = this.state.contexts.length - 1;
        outIdxs.push(idx);
        entry.ctxs.out = { [t.transitionId]: idx };
      }
      const nextRoute = this.evaluateRoute(t, route);
      let next = this.getStagedTask(t.dst, nextRoute);
      if (next) {
        const zero = outIdxs.indexOf(0);
        if (zero >= 0) outIdxs.splice(zero, 1);
        next.ctxs.in.push(...outIdxs);
        next.prev[t.backref] = entryIdx;
        delete next.items;
        delete next.completed;
      } else {
        next = this.addStagedTask(t.dst, nextRoute, outIdxs, { [t.backref]: entryIdx }, false);
      }
      // Inbound criteria use the original route to find the inbound transitions.
      next.ready = this.inboundCriteriaStatus(t.dst, route) === 'satisfied';
      if (isEngineCommand(t.dst)) {
        engineQueue.push([next.id, next.route]);
        if (!hasManualFail) hasManualFail = t.dst === 'fail';
      } else if (next.ready) {
        stagedNext.push(next);
      }
    }
    // A remediation task next to a `fail` still runs after the workflow is marked failed.
    if (hasManualFail) for (const s of stagedNext) s.run_on_fail = true;
  }

  private publish(spec: TaskSpec, t: GraphEdge, scope: EvalScope): { published: Ctx; errors: unknown[] } {
    const published: Ctx = {};
    const errors: unknown[] = [];
    const transition = spec.next[t.ref];
    if (!transition?.do.includes(t.dst)) return { published, errors };
    const rolling: Ctx = { ...scope.ctx };
    const rollingScope: EvalScope = { ...scope, ctx: rolling };
    for (const [name, value] of transition.publish) {
      try {
        const v = evaluateValue(value, rollingScope);
        rolling[name] = v;
        published[name] = v;
      } catch (e) {
        errors.push(e);
      }
    }
    return { published, errors };
  }

  private evaluateRoute(t: GraphEdge, prevRoute: number): number {
    const node = this.graph.nodes.get(t.dst);
    const isSplit = node?.splits?.includes(t.dst) === true;
    if (!isSplit) return prevRoute;
    const old = this.state.routes[prevRoute] ?? [];
    if (old.includes(t.backref)) return prevRoute;
    this.state.routes.push([...old, t.backref]);
    return this.state.routes.length - 1;
  }

  // ---------- output ----------

  /** The merged context of the terminal tasks (what the output is rendered from). */
  getWorkflowTerminalContext(): Ctx {
    if (!COMPLETED_STATUSES.has(this.state.status)) {
      throw new WorkflowConductorError('Workflow is not in completed status.');
    }
    const terms = this.getTerminalTasks();
    const first = terms[0];
    if (!first) return {};
    let ctx = this.taskContext(first.ctxs.in);
    for (const t of terms.slice(1)) {
      const idxs = [...t.ctxs.in];
      const zero = idxs.indexOf(0);
      if (zero >= 0) idxs.splice(zero, 1);
      ctx = mergeDicts(ctx, this.taskContext(idxs));
    }
    return ctx;
  }

  /** Renders the workflow output once the workflow is completed (also when it failed or was canceled). */
  renderWorkflowOutput(): void {
    const status = this.state.status;
    if (!COMPLETED_STATUSES.has(status) || this.outputs) return;
    const ctx: Ctx = { ...this.getWorkflowTerminalContext() };
    const scope = this.scope(ctx);
    const rolling = scope.ctx === ctx ? ctx : { ...scope.ctx };
    const rollingScope: EvalScope = { ...scope, ctx: rolling };
    const outputs: Ctx = {};
    const errors: unknown[] = [];
    for (const [name, value] of this.spec.output) {
      try {
        const v = evaluateValue(value, rollingScope);
        rolling[name] = v;
        outputs[name] = v;
      } catch (e) {
        errors.push(e);
      }
    }
    if (Object.keys(outputs).length > 0) this.outputs = outputs;
    if (errors.length > 0) {
      for (const e of errors) this.logError(e);
      if (![S.EXPIRED, S.ABANDONED, S.CANCELED].includes(status as 'timeout'))
        this.requestWorkflowStatus(S.FAILED);
    }
  }

  // ---------- rerun ----------

  private taskSequence(taskId: string, route: number): Array<[number, TaskStateEntry]> {
    const idx = this.state.tasks[key(taskId, route)] as number;
    const out: Array<[number, TaskStateEntry]> = [[idx, this.state.sequence[idx] as TaskStateEntry]];
    // Orquesta walks only the direct successors of the task (its traversal never enqueues further).
    this.state.sequence.forEach((t, i) => {
      for (const v of Object.values(t.prev)) {
        const p = this.state.sequence[v];
        if (p && p.id === taskId && p.route === route) out.push([i, t]);
      }
    });
    return out;
  }

  private requestTaskRerun(taskId: string, route: number, resetItems: boolean): void {
    const task = this.getTaskState(taskId, route) as TaskStateEntry;
    const ctxs = [...task.ctxs.in];
    const prev = { ...task.prev };
    const spec = getTask(this.spec, taskId);
    delete task.term;
    const staged = this.getStagedTask(taskId, route);
    if (staged) delete staged.completed;
    for (let i = this.errors.length - 1; i >= 0; i--) {
      if (this.errors[i]?.task_id === taskId) this.errors.splice(i, 1);
    }
    this.logIndex.delete(this.errors);
    if (spec.with && staged) {
      for (const item of staged.items ?? []) {
        if (resetItems || ABENDED_STATUSES.has(item.status)) item.status = S.UNSET;
      }
      if (staged.items) forgetItemCounts(staged.items);
    } else {
      this.addTaskState(taskId, route, ctxs, prev);
      this.addStagedTask(taskId, route, ctxs, prev, true);
    }
    for (const [, next] of this.taskSequence(taskId, route)) delete next.term;
  }

  /**
   * Reruns tasks of a completed workflow: the given tasks (default: the abended terminal tasks) get a new
   * sequence entry and run again; the workflow goes to `resuming`.
   */
  requestRerun(requests?: RerunRequest[] | null): void {
    if (!COMPLETED_STATUSES.has(this.state.status)) {
      throw new WorkflowConductorError('The workflow is still active and cannot be rerun.');
    }
    const tasks = new Map<string, Required<RerunRequest>>();
    for (const r of requests ?? []) {
      const req = { task_id: r.task_id, route: r.route ?? 0, reset_items: r.reset_items ?? false };
      tasks.set(key(req.task_id, req.route), req);
    }
    const invalid = [...tasks.keys()].filter((k) => this.state.tasks[k] === undefined);
    if (invalid.length > 0) {
      throw new WorkflowConductorError(`Unable to rerun tasks that did not run: ${invalid.join(', ')}.`);
    }
    const candidates = new Map<string, [number, TaskStateEntry]>();
    if (tasks.size === 0) {
      this.state.sequence.forEach((t, i) => {
        if (t.term && t.status !== undefined && ABENDED_STATUSES.has(t.status))
          candidates.set(key(t.id, t.route), [i, t]);
      });
    } else {
      const seqs = new Map<string, number[]>();
      for (const [k, r] of tasks)
        seqs.set(
          k,
          this.taskSequence(r.task_id, r.route).map(([i]) => i),
        );
      let keep = seqs;
      if (tasks.size > 1) {
        keep = new Map();
        for (const [k, i] of seqs) {
          for (const j of seqs.values()) {
            if (i.some((x) => !j.includes(x))) keep.set(k, i);
          }
        }
      }
      for (const [k, r] of tasks) {
        if (!keep.has(k)) continue;
        candidates.set(k, [
          this.state.tasks[k] as number,
          this.getTaskState(r.task_id, r.route) as TaskStateEntry,
        ]);
      }
    }
    this.state.reruns ??= [];
    this.state.reruns.push([...candidates.values()].map(([i]) => i));
    const sorted = [...candidates.values()].sort(([, a], [, b]) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : a.route - b.route,
    );
    for (const [, t] of sorted) {
      const k = key(t.id, t.route);
      this.requestTaskRerun(t.id, t.route, tasks.get(k)?.reset_items ?? false);
    }
    for (const t of this.getTerminalTasks()) {
      if (Object.values(t.next).some((v) => v)) delete t.term;
    }
    this.outputs = null;
    this.state.status = S.RESUMING;
  }
}

const taskFunctionUse = new WeakMap<WorkflowSpec, boolean>();

/** Whether a workflow calls st2's task() (then task results are kept in the state). */
function usesTaskFunction(spec: WorkflowSpec): boolean {
  let uses = taskFunctionUse.get(spec);
  if (uses === undefined) {
    uses = /\btask\(/.test(JSON.stringify(spec.definition ?? null));
    taskFunctionUse.set(spec, uses);
  }
  return uses;
}

function isWorkflowSpec(value: unknown): value is WorkflowSpec {
  return (
    isRecord(value) &&
    Array.isArray((value as { taskNames?: unknown }).taskNames) &&
    isRecord((value as { tasks?: unknown }).tasks) &&
    'definition' in value
  );
}
