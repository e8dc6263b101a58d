/**
 * The `action-chain` runner: st2's older workflow format (chatops.run, linux.diag_loadavg). Nodes run one at a
 * time as child executions (`context.parent = {execution_id, task_id: <node>}`); a node's result is reachable in
 * later templates by its name and under `__results`, `publish` sets chain variables, `on-success`/`on-failure`
 * pick the next node; the chain's status is the last node's (st2: a handled failure still fails the chain).
 *
 * Durable like the Orquesta runtime: the chain state is written to the Store (`saveWorkflowState`) before a child
 * is requested or a transition is acted on; children carry an idempotency key so a re-request after a crash
 * returns the same child; `recover` picks up where the stored state is.
 *
 * Result (as st2): `{tasks: [{id, name, execution_id, state, result, created_at, updated_at, workflow}],
 * published?: {...}, error?}`, kept up to date while the chain runs (live task states).
 */

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { hasJinja, pyStr, renderValue } from '../../expressions/index.ts';
import type {
  ActionDefinition,
  ExecutionRecord,
  ExecutionStatus,
  ParameterSchema,
} from '../../model/index.ts';
import type { Store } from '../../store/store.ts';
import { KeyedLock } from '../keyed-lock.ts';
import type { Runner, RunnerContext, RunnerResult, RunnerServices } from '../runner.ts';
import { type ChainNode, type ChainSpec, chainNode, parseChain } from './chain-spec.ts';

const STATE_VERSION = 'action-chain/1';
const RESULTS_KEY = '__results';
const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timeout', 'canceled', 'abandoned']);
const WORKFLOW_RUNNERS: ReadonlySet<string> = new Set(['orquesta', 'action-chain']);

/** One entry of the chain's `result.tasks` (st2's format). */
export interface ChainTask {
  id: string;
  name: string;
  execution_id: string | null;
  state: string;
  result: unknown;
  created_at: string;
  updated_at: string;
  workflow: null;
}

/** What is stored per chain execution. */
export interface ChainRunState {
  v: typeof STATE_VERSION;
  spec: ChainSpec;
  /** The chain action's own parameters (runner parameters excluded), the root of every template. */
  parameters: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Results by node name (`{{ node.result }}`, `__results`). */
  results: Record<string, unknown>;
  tasks: ChainTask[];
  published: Record<string, unknown>;
  /** The node whose child is requested or running. */
  current?: { node: string; key: string; execution_id?: string; created_at: string };
  /** The node to start next (kept while the chain is paused between nodes). */
  next?: string;
  /** A child waits (inquiry pending, sub-workflow paused): the chain is paused because of it. */
  waiting?: boolean;
  status: ExecutionStatus;
  error?: string;
  done?: boolean;
  seq: number;
  display_published: boolean;
  context: { user: string; api_user?: string };
  /** st2's `action_context.parent`: the chain's execution id and context. */
  parent_context: Record<string, unknown>;
}

export interface ActionChainRunnerOptions {
  store: Store;
  services?: RunnerServices;
  logger?: Logger;
  /** Reads a chain definition (default: the action's entry_point_path). */
  loadDefinition?: (action: ActionDefinition) => string;
  /** Registered actions: nodes referencing an unknown action fail as st2's do; string parameters are cast. */
  getAction?: (ref: string) => ActionDefinition | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nowIso(): string {
  return new Date().toISOString();
}

/** `st2kv.system.k`, `st2kv.user.k` and st2's older `system.k`. */
const ST2KV_REF = /\b(?:st2kv\.(system|user)|(system))\.([A-Za-z0-9_.-]*[A-Za-z0-9_-])/g;

/** Every Jinja string in a value. */
function templatesIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (hasJinja(value)) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) templatesIn(v, out);
  else if (isRecord(value)) for (const v of Object.values(value)) templatesIn(v, out);
  return out;
}

export class ActionChainRunner implements Runner {
  readonly name = 'action-chain';
  readonly parameters: ParameterSchema = {
    display_published: {
      type: 'boolean',
      default: true,
      description: 'Intermediate published variables will be stored and displayed.',
    },
    skip_notify: {
      type: 'array',
      default: [],
      description: 'List of tasks to skip notifications for.',
    },
  };
  readonly #options: ActionChainRunnerOptions;
  readonly #store: Store;
  #services?: RunnerServices;
  readonly #locks = new KeyedLock();

  constructor(options: ActionChainRunnerOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#services = options.services;
  }

  setServices(services: RunnerServices): void {
    this.#services = services;
  }

  #svc(): RunnerServices {
    if (!this.#services) throw new Error('action-chain runner: no runner services yet (call setServices)');
    return this.#services;
  }

  #lock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(id, fn);
  }

  #load(id: string): ChainRunState | undefined {
    const raw = this.#store.loadWorkflowState(id) as ChainRunState | undefined;
    return raw && raw.v === STATE_VERSION ? raw : undefined;
  }

  #save(id: string, state: ChainRunState): void {
    this.#store.saveWorkflowState(id, state);
  }

  // ---------------------------------------------------------------- Runner

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    this.#services ??= ctx.services;
    if (ctx.resumed && this.#load(ctx.executionId)) {
      await this.recover(ctx.record);
      return { status: (this.#svc().getExecution(ctx.executionId)?.status ?? 'running') as ExecutionStatus };
    }
    let spec: ChainSpec;
    try {
      const text = this.#options.loadDefinition
        ? this.#options.loadDefinition(ctx.action)
        : readFileSync(ctx.action.entry_point_path ?? '', 'utf8');
      spec = parseChain(text, ctx.action.entry_point ?? ctx.action.ref);
    } catch (error) {
      return { status: 'failed', result: { error: message(error), tasks: [] } };
    }
    if (!spec.default) {
      return {
        status: 'failed',
        result: { error: `Failed to find default node in ${ctx.action.name}.`, tasks: [] },
      };
    }
    // Templates see the action's parameters, not the runner's (st2 keeps them apart).
    const declared = ctx.action.parameters ?? {};
    const parameters: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ctx.parameters)) {
      if (k in this.parameters && !(k in declared)) continue;
      parameters[k] = v;
    }
    const state: ChainRunState = {
      v: STATE_VERSION,
      spec,
      parameters,
      vars: {},
      results: {},
      tasks: [],
      published: {},
      status: 'failed',
      seq: 0,
      display_published: ctx.parameters.display_published !== false,
      context: {
        user: ctx.context.user,
        ...(ctx.context.api_user ? { api_user: ctx.context.api_user } : {}),
      },
      parent_context: { ...ctx.context, pack: ctx.action.pack, execution_id: ctx.executionId },
      next: spec.default,
    };
    try {
      const kv = await this.#kv([spec.vars], state);
      state.vars = this.#render(spec.vars, { system: kv.system, ...parameters, st2kv: kv }) as Record<
        string,
        unknown
      >;
    } catch (error) {
      return {
        status: 'failed',
        result: { error: `Failed initializing \`\`vars\`\` in chain. ${message(error)}`, tasks: [] },
      };
    }
    this.#save(ctx.executionId, state);
    // The first node is requested once run() has returned (the chain is recorded running first).
    void this.#lock(ctx.executionId, () => this.#advance(ctx.executionId)).catch((error) =>
      ctx.logger.error({ err: error }, 'action chain could not start'),
    );
    return { status: 'running' };
  }

  async pause(executionId: string): Promise<void> {
    await this.#lock(executionId, async () => {
      const state = this.#load(executionId);
      if (!state || state.done) return;
      const child = this.#currentChild(state);
      if (child && !TERMINAL.has(child.status)) {
        // Paused once the running node finishes; a child workflow is paused with it (st2 cascades).
        if (WORKFLOW_RUNNERS.has(child.runner) && child.status === 'running')
          await this.#svc()
            .pauseExecution?.(child.id)
            .catch(() => undefined);
        return;
      }
      await this.#setStatus(executionId, state, 'paused');
    });
  }

  async resume(executionId: string): Promise<void> {
    await this.#lock(executionId, async () => {
      const state = this.#load(executionId);
      if (!state || state.done) return;
      state.waiting = false;
      this.#save(executionId, state);
      await this.#setStatus(executionId, state, 'running');
      const child = this.#currentChild(state);
      if (child && WORKFLOW_RUNNERS.has(child.runner) && ['paused', 'pausing'].includes(child.status)) {
        await this.#svc()
          .resumeExecution?.(child.id)
          .catch(() => undefined);
        return;
      }
      if (!state.current) await this.#advance(executionId);
    });
  }

  async cancel(executionId: string): Promise<void> {
    await this.#lock(executionId, async () => {
      const state = this.#load(executionId);
      if (!state || state.done) return;
      const child = this.#currentChild(state);
      if (child && !TERMINAL.has(child.status)) {
        // Canceled once the node's execution is (its completion ends the chain).
        await this.#svc()
          .cancelExecution?.(child.id)
          .catch(() => undefined);
        return;
      }
      state.status = 'canceled';
      state.next = undefined;
      await this.#finish(executionId, state);
    });
  }

  /** After a restart: re-request an unrequested node (idempotent), apply a completion missed while down, go on. */
  async recover(record: ExecutionRecord): Promise<void> {
    const services = this.#svc();
    await this.#lock(record.id, async () => {
      const state = this.#load(record.id);
      if (!state) {
        await services.completeExecution(record.id, 'abandoned', {
          error: 'action chain state was not found after a restart',
          tasks: [],
        });
        return;
      }
      if (state.done) {
        await services.completeExecution(record.id, state.status, this.#result(state));
        return;
      }
      if (state.current) {
        if (!state.current.execution_id) {
          await this.#requestCurrent(record.id, state);
          return;
        }
        const child = services.getExecution(state.current.execution_id);
        // Still live: the execution service recovers (or abandons) it and its completion advances the chain.
        if (child && TERMINAL.has(child.status)) await this.#applyChild(record.id, state, child);
        else if (!child) await this.#requestCurrent(record.id, state);
        return;
      }
      await this.#advance(record.id);
    });
  }

  // ---------------------------------------------------------------- children

  /** Every execution's completion or status change: the chain's current node advances it. */
  async onChildChanged(child: ExecutionRecord): Promise<void> {
    const parentId = child.context?.parent?.execution_id;
    // Chain children carry `context.chain`: other workflows' children never cost a state read here.
    if (!parentId || !isRecord(child.context.chain) || !this.#load(parentId)) return;
    await this.#lock(parentId, async () => {
      const state = this.#load(parentId);
      const current = state?.current;
      if (!state || !current || state.done) return;
      const key = child.context?.dedupe_key;
      if (child.id !== current.execution_id && key !== `${parentId}:${current.key}`) return;
      current.execution_id ??= child.id;
      if (TERMINAL.has(child.status)) {
        await this.#applyChild(parentId, state, child);
        return;
      }
      // An inquiry (pending) or a paused sub-workflow pauses the chain (st2); running again resumes it.
      if ((child.status === 'pending' || child.status === 'paused') && !state.waiting) {
        state.waiting = true;
        this.#save(parentId, state);
        await this.#setStatus(parentId, state, 'paused');
      } else if (child.status === 'running' && state.waiting) {
        state.waiting = false;
        this.#save(parentId, state);
        await this.#setStatus(parentId, state, 'running');
      }
    });
  }

  #currentChild(state: ChainRunState): ExecutionRecord | undefined {
    const id = state.current?.execution_id;
    return id ? this.#svc().getExecution(id) : undefined;
  }

  /** Records a finished node, renders its publish, picks the next node and goes on. */
  async #applyChild(id: string, state: ChainRunState, child: ExecutionRecord): Promise<void> {
    const current = state.current!;
    const node = chainNode(state.spec, current.node)!;
    let taskState: string = child.status;
    let taskResult: unknown = child.result ?? null;
    state.results[node.name] = taskResult;
    if (node.publish) {
      try {
        const published = this.#render(
          node.publish,
          await this.#context(state, [node.publish], { [node.name]: taskResult }),
          (key, error) =>
            `Failed rendering value for publish parameter "${key}" in task "${node.name}": ${message(error)}`,
        ) as Record<string, unknown>;
        Object.assign(state.vars, published);
        if (state.display_published) Object.assign(state.published, published);
      } catch (error) {
        taskState = 'failed';
        taskResult = { error: `Failed running task "${node.name}". ${message(error)}` };
        state.results[node.name] = taskResult;
      }
    }
    this.#recordTask(state, node, current, taskState, taskResult, child.id);
    const wasWaiting = state.waiting === true;
    state.current = undefined;
    state.waiting = false;
    state.next = undefined;
    if (taskState === 'canceled') {
      state.status = 'canceled';
    } else {
      const ok = taskState === 'succeeded';
      state.status = ok ? 'succeeded' : taskState === 'timeout' ? 'timeout' : 'failed';
      try {
        state.next = this.#nextName(state, ok ? node.on_success : node.on_failure);
      } catch (error) {
        state.status = 'failed';
        state.error = `Failed to get next node "${node.name}". ${message(error)}`;
      }
    }
    this.#save(id, state);
    // An answered inquiry (or a resumed sub-workflow) resumes the chain it paused (st2 does the same).
    if (wasWaiting && this.#svc().getExecution(id)?.status === 'paused')
      await this.#setStatus(id, state, 'running');
    if (state.next) await this.#publishLive(id, state);
    await this.#advance(id);
  }

  #nextName(state: ChainRunState, name: string | undefined): string | undefined {
    if (!name) return undefined;
    let resolved = name;
    if (hasJinja(name)) resolved = String(renderValue(name, this.#syncContext(state)) ?? '');
    if (!resolved) return undefined;
    if (!chainNode(state.spec, resolved)) throw new Error(`Unable to find node with name "${resolved}".`);
    return resolved;
  }

  #recordTask(
    state: ChainRunState,
    node: ChainNode,
    current: { created_at: string },
    taskState: string,
    result: unknown,
    executionId: string | null,
  ): void {
    state.tasks.push({
      id: node.name,
      name: node.name,
      execution_id: executionId || null,
      state: taskState,
      result,
      created_at: current.created_at,
      updated_at: nowIso(),
      workflow: null,
    });
  }

  // ---------------------------------------------------------------- advancing

  /** Starts `state.next` unless the chain is paused/canceled or ended; completes the chain when nothing is next. */
  async #advance(id: string): Promise<void> {
    const state = this.#load(id);
    if (!state || state.done || state.current) return;
    const services = this.#svc();
    const status = services.getExecution(id)?.status;
    if (status === 'canceling' || status === 'canceled') {
      state.status = 'canceled';
      state.next = undefined;
      await this.#finish(id, state);
      return;
    }
    if (!state.next) {
      await this.#finish(id, state);
      return;
    }
    if (status === 'pausing' || status === 'paused') {
      // Paused between nodes: `next` is kept and started on resume.
      this.#save(id, state);
      await this.#setStatus(id, state, 'paused');
      return;
    }
    const node = chainNode(state.spec, state.next);
    if (!node) {
      state.status = 'failed';
      state.error = `Unable to find node with name "${state.next}".`;
      state.next = undefined;
      await this.#finish(id, state);
      return;
    }
    const definition = this.#options.getAction?.(node.ref);
    if (this.#options.getAction && !definition) {
      state.status = 'failed';
      state.error = `Failed to run task "${node.name}". Action with reference "${node.ref}" doesn't exist.`;
      state.next = undefined;
      await this.#finish(id, state);
      return;
    }
    state.seq += 1;
    state.current = { node: node.name, key: `ac${state.seq}`, created_at: nowIso() };
    state.next = undefined;
    this.#save(id, state);
    await this.#requestCurrent(id, state);
  }

  /** Renders the current node's parameters and requests its child (idempotent through the key). */
  async #requestCurrent(id: string, state: ChainRunState): Promise<void> {
    const current = state.current!;
    const node = chainNode(state.spec, current.node)!;
    let parameters: Record<string, unknown>;
    try {
      parameters = this.#render(
        node.parameters,
        await this.#context(state, [node.parameters], {}),
        (key, error) =>
          `Failed rendering value for action parameter "${key}" in task "${node.name}": ${message(error)}`,
      ) as Record<string, unknown>;
      parameters = this.#castStrings(node.ref, parameters);
    } catch (error) {
      // st2: a parameter that cannot be rendered fails the whole chain (no on-failure).
      state.status = 'failed';
      state.error = `Failed to run task "${node.name}". Parameter rendering failed. ${message(error)}`;
      this.#recordTask(state, node, current, 'failed', { error: state.error }, null);
      state.current = undefined;
      await this.#finish(id, state);
      return;
    }
    let record: ExecutionRecord | undefined;
    let failure: string | undefined;
    try {
      record = await this.#svc().requestExecution({
        action: node.ref,
        parameters,
        // Rendered by the chain already (and may carry chat text): data, never rendered again.
        untrustedParameters: Object.keys(parameters),
        context: {
          ...state.context,
          parent: { execution_id: id, task_id: node.name },
          chain: { name: node.name, ref: node.ref },
        },
        dedupeKey: `${id}:${current.key}`,
      });
    } catch (error) {
      failure = message(error);
    }
    const fresh = this.#load(id);
    if (!fresh || fresh.current?.key !== current.key) return; // completed meanwhile
    if (!record) {
      const result = { error: `Failed running task "${node.name}". ${failure}` };
      await this.#applyChild(id, fresh, {
        id: '',
        action: node.ref,
        runner: '',
        status: 'failed',
        parameters: {},
        context: { user: fresh.context.user },
        result,
        log: [],
        start_timestamp: nowIso(),
      });
      return;
    }
    fresh.current!.execution_id = record.id;
    this.#save(id, fresh);
    if (TERMINAL.has(record.status)) {
      await this.#applyChild(id, fresh, record);
      return;
    }
    await this.#publishLive(id, fresh);
  }

  /** st2 renders to strings (then casts to the action's types): keep natives, but strings where a string is due. */
  #castStrings(ref: string, parameters: Record<string, unknown>): Record<string, unknown> {
    const schema = this.#options.getAction?.(ref)?.parameters;
    if (!schema) return parameters;
    const out: Record<string, unknown> = { ...parameters };
    for (const [k, v] of Object.entries(out)) {
      const type = schema[k]?.type;
      if (type === 'string' && v !== null && v !== undefined && typeof v !== 'string') out[k] = pyStr(v);
    }
    return out;
  }

  /** Template context of a node (st2's _resolve_params): parameters, results by node, vars, __results, kv. */
  async #context(
    state: ChainRunState,
    templates: unknown[],
    extra: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const kv = await this.#kv(templates, state);
    const base = this.#syncContext(state);
    // st2 also exposes the system scope as `system` (a parameter of that name wins).
    return { ...(Object.keys(kv.system).length ? { system: kv.system } : {}), ...base, ...extra, st2kv: kv };
  }

  #syncContext(state: ChainRunState): Record<string, unknown> {
    const parent = state.parent_context;
    return {
      ...state.parameters,
      ...state.results,
      ...state.vars,
      [RESULTS_KEY]: state.results,
      action_context: { parent },
      config_context: this.#svc().packConfig(String(parent.pack ?? '')),
    };
  }

  /** Datastore values the templates read (`st2kv.system.k`, `system.k`), loaded before rendering. */
  async #kv(
    templates: unknown[],
    state: ChainRunState,
  ): Promise<{ system: Record<string, unknown>; user: Record<string, unknown> }> {
    const out = { system: {} as Record<string, unknown>, user: {} as Record<string, unknown> };
    const datastore = this.#svc().datastore;
    if (!datastore) return out;
    for (const template of templatesIn(templates)) {
      for (const m of template.matchAll(ST2KV_REF)) {
        const scope = (m[1] ?? m[2]) as 'system' | 'user';
        const key = m[3] as string;
        if (key in out[scope]) continue;
        const value = await datastore.get(key, { scope }).catch(() => undefined);
        if (value !== undefined && value !== null) setPath(out[scope], key, value);
      }
    }
    void state;
    return out;
  }

  #render(
    value: Record<string, unknown>,
    context: Record<string, unknown>,
    describe: (key: string, error: unknown) => string = (key, error) => `${key}: ${message(error)}`,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      try {
        out[key] = renderDeepValue(v, context);
      } catch (error) {
        throw new Error(describe(key, error));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- status

  #result(state: ChainRunState): Record<string, unknown> {
    const result: Record<string, unknown> = { tasks: state.tasks };
    if (state.display_published) result.published = state.published;
    if (state.error) result.error = state.error;
    return result;
  }

  /** Live result (task states so far) with the execution's current status. */
  async #publishLive(id: string, state: ChainRunState): Promise<void> {
    const current = this.#svc().getExecution(id)?.status;
    if (!current || TERMINAL.has(current)) return;
    await this.#svc().completeExecution(id, current, this.#result(state));
  }

  async #setStatus(id: string, state: ChainRunState, status: ExecutionStatus): Promise<void> {
    const current = this.#svc().getExecution(id)?.status;
    if (!current || TERMINAL.has(current) || current === status) return;
    await this.#svc().completeExecution(id, status, this.#result(state));
  }

  async #finish(id: string, state: ChainRunState): Promise<void> {
    state.done = true;
    state.next = undefined;
    this.#save(id, state);
    await this.#svc().completeExecution(id, state.status, this.#result(state));
  }
}

/** renderValue on every string leaf (st2 renders each parameter/publish value; keys stay). */
function renderDeepValue(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderValue(value, context);
  if (Array.isArray(value)) return value.map((v) => renderDeepValue(v, context));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeepValue(v, context);
    return out;
  }
  return value;
}

/** `a.b` keys (st2 allows dots in key names): stored flat and nested so both spellings resolve. */
function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  target[key] = value;
  const parts = key.split('.');
  if (parts.length < 2) return;
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isRecord(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

/**
 * Wires the runner to an execution service: completions and status changes of children (an inquiry pending)
 * advance their chains. Returns an unsubscribe function.
 */
export function attachActionChainRunner(
  runner: ActionChainRunner,
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
      'action chain advance failed',
    );
  const offCompleted = executions.onCompleted((record) => {
    if (record.context?.parent?.execution_id) runner.onChildChanged(record).catch((e) => onError(e, record));
  });
  const offUpdated = executions.services.events.on('execution__update', (record) => {
    if (['pending', 'paused', 'running'].includes(record.status) && record.context?.parent?.execution_id)
      runner.onChildChanged(record).catch((e) => onError(e, record));
  });
  return () => {
    offCompleted();
    offUpdated();
  };
}
