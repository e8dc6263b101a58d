/**
 * Workflow rehearsal: run an Orquesta workflow with mocked action results, no actions executed. This is the
 * public way to test a workflow (Squall's own conformance suite uses nothing else).
 *
 * ## One-shot
 * ```ts
 * import { rehearse } from 'squall/engine/workflows/rehearsal.ts';
 * const r = rehearse({
 *   file: 'packs/demo/actions/workflows/deploy.yaml',   // or specText / spec
 *   inputs: { host: 'web1' },
 *   kv: { 'system.region': 'eu' },                      // st2kv() values
 *   mocks: [
 *     { task_id: 'check', status: 'failed' },            // status defaults to 'succeeded'
 *     { task_id: 'fetch', result: { stdout: 'ok' } },     // result defaults to null
 *     { task_id: 'loop', seq_id: 3, result: false },      // only the run at sequence index 3
 *     { task_id: 'each', item_id: 1, status: 'failed' },  // with-items: one item
 *     { task_id: 'poll', num_iter: 2, result: 'busy' },   // used for two runs
 *   ],
 * });
 * r.status;          // 'succeeded' | 'failed' | 'running' | ...
 * r.sequence;        // ['check', 'fetch', 'each', 'notify__r1', ...]  (`__rN` for routes > 0)
 * r.routes;          // [[], ['task1__t0']]
 * r.errors;          // [{ type: 'error', message, task_id, ... }]
 * r.output;          // rendered workflow output (null if none)
 * r.terminal_tasks;  // ['notify__r1', ...]
 * ```
 *
 * The loop is Orquesta's rehearsal loop: the ready tasks of a round are all marked running (that is when they
 * enter the sequence), then each gets its mock completion (with-items tasks complete one item per round), then
 * the next round's tasks are asked for. Mocks for a task are a FIFO: an entry is used `num_iter` times (default
 * once); an entry with `seq_id` matches only the run at that sequence index.
 *
 * ## Test cases
 * `runWorkflowTestCase({workflow, inputs, mock_action_executions, expected_task_sequence, expected_routes,
 * expected_workflow_status, expected_errors, expected_output, expected_term_tasks}, {baseDir})` checks one
 * Orquesta-style test case (`squall workflow test <case.yaml>` runs files of them).
 *
 * ## Step by step
 * `createRehearsal(options)` returns a {@link Rehearsal}: `nextTasks()`, `step(taskId?)` (one task with its
 * mock), `forward(taskId, statuses, opts)` (statuses by hand), `runRound()`, `run()`, `rerun(tasks)`,
 * `taskState(taskId)`, `save()` (JSON state) and `result()`; `resumeRehearsal({ state, ... })`
 * continues from a saved state (e.g. to rerun failed tasks of a finished rehearsal).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ExpressionFunction } from '../expressions/index.ts';
import {
  Conductor,
  type ConductorData,
  isCompletedStatus,
  type NextTask,
  type RerunRequest,
  type TaskStateEntry,
  type WorkflowLogEntry,
} from './conductor.ts';
import { type InspectionResult, inspectWorkflow } from './inspector.ts';
import { getTask, hasTask, parseWorkflow, type WorkflowSpec } from './spec.ts';
import { S } from './statuses.ts';
import { staticSt2kv } from './workflow-expressions.ts';

export interface MockActionExecution {
  task_id: string;
  /** Only for the run at this index of the task sequence (0-based). */
  seq_id?: number;
  /** With-items: the item; defaults to the next item without a result. */
  item_id?: number;
  /** How many runs this entry serves (default 1). */
  num_iter?: number;
  /** Default 'succeeded'. */
  status?: string;
  /** Default null. */
  result?: unknown;
}

export interface RehearsalOptions {
  spec?: WorkflowSpec | object;
  specText?: string;
  file?: string;
  inputs?: Record<string, unknown>;
  mocks?: MockActionExecution[];
  /** Parent context (st2: `{ st2: { action_execution_id, user, ... } }`). */
  st2Context?: Record<string, unknown>;
  /** Extra expression functions. */
  functions?: Record<string, ExpressionFunction>;
  /** Datastore values for st2kv(): `{'system.region': 'eu', token: 'x'}` (user keys without prefix). */
  kv?: Record<string, unknown>;
  /** Upper bound of rounds, against endless cycles (default 10,000). */
  maxRounds?: number;
}

export interface RehearsalResult {
  status: string;
  sequence: string[];
  routes: string[][];
  errors: WorkflowLogEntry[];
  output: Record<string, unknown> | null;
  terminal_tasks: string[];
}

export class RehearsalError extends Error {
  constructor(
    message: string,
    readonly inspection?: InspectionResult,
  ) {
    super(message);
    this.name = 'RehearsalError';
  }
}

const friendly = (t: { id: string; route: number }) => (t.route > 0 ? `${t.id}__r${t.route}` : t.id);

function loadSpec(options: Pick<RehearsalOptions, 'spec' | 'specText' | 'file'>): WorkflowSpec {
  if (options.spec) {
    const s = options.spec as WorkflowSpec;
    return Array.isArray(s.taskNames) && 'definition' in s ? s : parseWorkflow(options.spec);
  }
  if (options.specText !== undefined) return parseWorkflow(options.specText);
  if (options.file) return parseWorkflow(readFileSync(options.file, 'utf8'));
  throw new RehearsalError('rehearse: give one of spec, specText or file.');
}

function hasErrors(result: InspectionResult): boolean {
  return Object.values(result).some((list) => Array.isArray(list) && list.length > 0);
}

interface MockEntry extends MockActionExecution {
  iter: number;
}

/** A rehearsal in progress. */
export class Rehearsal {
  readonly spec: WorkflowSpec;
  conductor: Conductor;
  private mocks: MockEntry[];
  private itemResults = new Map<string, unknown[]>();
  private readonly maxRounds: number;

  constructor(
    spec: WorkflowSpec,
    conductor: Conductor,
    mocks: MockActionExecution[] = [],
    maxRounds = 10_000,
  ) {
    this.spec = spec;
    this.conductor = conductor;
    this.maxRounds = maxRounds;
    this.mocks = [];
    this.setMocks(mocks);
  }

  /** Replaces the mocks (e.g. before a rerun). */
  setMocks(mocks: MockActionExecution[]): void {
    for (const m of mocks) {
      if (!hasTask(this.spec, m.task_id)) throw new RehearsalError(`Mock for unknown task "${m.task_id}".`);
    }
    this.mocks = mocks.map((m) => ({ ...m, iter: 0 }));
  }

  /** Tasks the conductor would start now (rendered). */
  nextTasks(): NextTask[] {
    return this.conductor.getNextTasks();
  }

  private findMock(taskId: string, seqId?: number): MockEntry | undefined {
    const open = this.mocks.filter((m) => m.task_id === taskId && m.iter < (m.num_iter ?? 1));
    if (seqId !== undefined) return open.find((m) => m.seq_id === seqId);
    const first = open[0];
    if (first && first.seq_id !== undefined) return undefined;
    return first;
  }

  private completeTask(task: { id: string; route: number }, seqId: number): void {
    let mock = this.findMock(task.id, seqId) ?? this.findMock(task.id);
    if (mock) mock.iter += 1;
    else mock = { task_id: task.id, iter: 0 };
    const status = mock.status ?? S.SUCCEEDED;
    const result = mock.result === undefined ? null : mock.result;
    if (!getTask(this.spec, task.id).with) {
      this.conductor.updateTaskState(task.id, task.route, { status, result });
      return;
    }
    const accKey = `${task.id}__r${task.route}`;
    const acc = this.itemResults.get(accKey) ?? [];
    this.itemResults.set(accKey, acc);
    const itemId = mock.item_id ?? acc.length;
    while (acc.length <= itemId) acc.push(null);
    acc[itemId] = result;
    this.conductor.updateTaskState(task.id, task.route, {
      status,
      result,
      itemId,
      accumulatedResult: acc,
    });
  }

  /**
   * One round: mark every ready task running, then complete each with its mock. Returns the tasks of the round.
   */
  runRound(tasks: NextTask[] = this.nextTasks()): NextTask[] {
    const running: Array<{ task: NextTask; seqId: number }> = [];
    for (const task of tasks) {
      this.conductor.updateTaskState(task.id, task.route, { status: S.RUNNING });
      running.push({ task, seqId: this.conductor.workflowState.sequence.length - 1 });
    }
    for (const { task, seqId } of running) this.completeTask(task, seqId);
    return tasks;
  }

  /**
   * Runs one ready task (the first one, or the one named) with its mock: running, then its completion.
   * Returns the task that ran, or undefined when nothing is ready.
   */
  step(taskId?: string, route?: number): NextTask | undefined {
    const task = this.nextTasks().find(
      (t) => (taskId === undefined || t.id === taskId) && (route === undefined || t.route === route),
    );
    if (!task) return undefined;
    this.conductor.updateTaskState(task.id, task.route, { status: S.RUNNING });
    this.completeTask(task, this.conductor.workflowState.sequence.length - 1);
    return task;
  }

  /** Runs rounds until no task is ready, then renders the output if the workflow completed. */
  run(): RehearsalResult {
    let queue = this.nextTasks();
    let rounds = 0;
    while (queue.length > 0) {
      if (++rounds > this.maxRounds)
        throw new RehearsalError(`Rehearsal stopped after ${this.maxRounds} rounds.`);
      this.runRound(queue);
      queue = this.nextTasks();
    }
    return this.result();
  }

  /**
   * Sends statuses to one task (e.g. ['running', 'succeeded']) with an optional result on the last one.
   * Returns the task's state entry.
   */
  forward(
    taskId: string,
    statuses: string[],
    options: { route?: number; result?: unknown; itemId?: number; accumulatedResult?: unknown[] } = {},
  ): TaskStateEntry {
    const route = options.route ?? 0;
    let entry: TaskStateEntry | undefined;
    statuses.forEach((status, i) => {
      const last = i === statuses.length - 1;
      entry = this.conductor.updateTaskState(taskId, route, {
        status,
        ...(last && options.result !== undefined ? { result: options.result } : {}),
        ...(options.itemId !== undefined ? { itemId: options.itemId } : {}),
        ...(last && options.accumulatedResult ? { accumulatedResult: options.accumulatedResult } : {}),
      });
    });
    return entry as TaskStateEntry;
  }

  /** Reruns tasks of a completed workflow (default: the failed terminal tasks); status becomes 'resuming'. */
  rerun(tasks?: RerunRequest[] | null): void {
    this.conductor.requestRerun(tasks ?? null);
  }

  /** The task's latest state entry (status, retry tally...). */
  taskState(taskId: string, route = 0): TaskStateEntry | undefined {
    return this.conductor.getTaskState(taskId, route);
  }

  /** Serializable state to continue later with {@link resumeRehearsal}. */
  save(): ConductorData {
    return this.conductor.serialize();
  }

  result(): RehearsalResult {
    if (isCompletedStatus(this.conductor.getWorkflowStatus())) this.conductor.renderWorkflowOutput();
    const state = this.conductor.workflowState;
    return {
      status: this.conductor.getWorkflowStatus(),
      sequence: state.sequence.map(friendly),
      routes: state.routes.map((r) => [...r]),
      errors: this.conductor.errors.map((e) => ({ ...e })),
      output: this.conductor.getWorkflowOutput(),
      terminal_tasks: this.conductor.getTerminalTasks().map(friendly),
    };
  }
}

/** Starts a rehearsal: inspects the workflow (errors throw a RehearsalError), creates it and requests 'running'. */
export function createRehearsal(options: RehearsalOptions): Rehearsal {
  const spec = loadSpec(options);
  const inspection = inspectWorkflow(spec);
  if (hasErrors(inspection)) {
    const first = Object.values(inspection).flat()[0];
    throw new RehearsalError(`The workflow has inspection errors: ${first?.message ?? ''}`, inspection);
  }
  const functions = options.kv ? { st2kv: staticSt2kv(options.kv), ...options.functions } : options.functions;
  const conductor = new Conductor(spec, {
    inputs: options.inputs ?? {},
    context: options.st2Context ?? {},
    ...(functions ? { functions } : {}),
  });
  if (conductor.getWorkflowStatus() === S.UNSET) conductor.requestWorkflowStatus(S.RUNNING);
  return new Rehearsal(spec, conductor, options.mocks ?? [], options.maxRounds);
}

/** Continues a rehearsal from a saved state (`Rehearsal.save()`), with new mocks. */
export function resumeRehearsal(options: {
  state: ConductorData | string;
  mocks?: MockActionExecution[];
  spec?: WorkflowSpec | object;
  specText?: string;
  file?: string;
  functions?: Record<string, ExpressionFunction>;
  kv?: Record<string, unknown>;
  maxRounds?: number;
}): Rehearsal {
  const data =
    typeof options.state === 'string' ? (JSON.parse(options.state) as ConductorData) : options.state;
  const spec =
    options.spec || options.specText || options.file ? loadSpec(options) : parseWorkflow(data.spec as object);
  const functions = options.kv ? { st2kv: staticSt2kv(options.kv), ...options.functions } : options.functions;
  const conductor = Conductor.deserialize(data, spec, functions ? { functions } : {});
  return new Rehearsal(spec, conductor, options.mocks ?? [], options.maxRounds);
}

/**
 * A workflow test case, as Orquesta's rehearsal specs write them (YAML or JSON): the workflow file (relative to
 * the case file), inputs, mocked action executions and the expectations to check.
 */
export interface WorkflowTestCase {
  workflow: string;
  inputs?: Record<string, unknown>;
  mock_action_executions?: MockActionExecution[];
  /** st2kv() values. */
  kv?: Record<string, unknown>;
  expected_task_sequence: string[];
  /** Default [[]]. */
  expected_routes?: string[][];
  /** Default 'succeeded'. */
  expected_workflow_status?: string;
  expected_errors?: unknown[];
  expected_output?: Record<string, unknown>;
  expected_term_tasks?: string[];
}

export interface WorkflowTestOutcome {
  passed: boolean;
  failures: string[];
  result?: RehearsalResult;
}

const routeful = (id: string) => (id.includes('__r') ? id : `${id}__r0`);
/** Deep equality of JSON values (key order does not matter). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** Runs a test case and compares the outcome with its expectations (sequences: `task` means `task__r0`). */
export function runWorkflowTestCase(
  testCase: WorkflowTestCase,
  options: { baseDir?: string } = {},
): WorkflowTestOutcome {
  if (!testCase || typeof testCase.workflow !== 'string' || !Array.isArray(testCase.expected_task_sequence)) {
    return { passed: false, failures: ['a test case needs "workflow" and "expected_task_sequence"'] };
  }
  const file = isAbsolute(testCase.workflow)
    ? testCase.workflow
    : join(options.baseDir ?? '.', testCase.workflow);
  let result: RehearsalResult;
  try {
    result = rehearse({
      file,
      inputs: testCase.inputs ?? {},
      mocks: testCase.mock_action_executions ?? [],
      ...(testCase.kv ? { kv: testCase.kv } : {}),
    });
  } catch (error) {
    return { passed: false, failures: [(error as Error).message] };
  }
  const failures: string[] = [];
  const seq = result.sequence.map(routeful);
  const expectedSeq = testCase.expected_task_sequence.map(routeful);
  if (!same(seq, expectedSeq)) {
    failures.push(
      `task sequence ${JSON.stringify(result.sequence)} != expected ${JSON.stringify(testCase.expected_task_sequence)}`,
    );
  }
  const routes = testCase.expected_routes ?? [[]];
  if (!same(result.routes, routes))
    failures.push(`routes ${JSON.stringify(result.routes)} != expected ${JSON.stringify(routes)}`);
  const status = testCase.expected_workflow_status ?? S.SUCCEEDED;
  if (result.status !== status) failures.push(`status "${result.status}" != expected "${status}"`);
  if (testCase.expected_errors !== undefined && !same(result.errors, testCase.expected_errors)) {
    failures.push(
      `errors ${JSON.stringify(result.errors)} != expected ${JSON.stringify(testCase.expected_errors)}`,
    );
  }
  if (testCase.expected_output !== undefined && !same(result.output, testCase.expected_output)) {
    failures.push(
      `output ${JSON.stringify(result.output)} != expected ${JSON.stringify(testCase.expected_output)}`,
    );
  }
  if (testCase.expected_term_tasks !== undefined) {
    const actual = result.terminal_tasks.map(routeful).sort();
    const expected = testCase.expected_term_tasks.map(routeful).sort();
    if (!same(actual, expected)) {
      failures.push(
        `terminal tasks ${JSON.stringify(result.terminal_tasks)} != expected ${JSON.stringify(testCase.expected_term_tasks)}`,
      );
    }
  }
  return { passed: failures.length === 0, failures, result };
}

/** Rehearses a workflow to the end with mocked action results. */
export function rehearse(options: RehearsalOptions): RehearsalResult {
  return createRehearsal(options).run();
}
