import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../engine/audit/audit-log.ts';
import type { EngineConfig } from '../../engine/config/engine-config.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import { SecretBox } from '../../engine/crypto/secret-box.ts';
import { EventBus } from '../../engine/events/event-bus.ts';
import type {
  ExecutionServiceDeps,
  ExecutionService as ExecutionServiceType,
} from '../../engine/executions/execution-service.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type {
  ActionDefinition,
  ExecutionRecord,
  ExecutionStatus,
  OutputChunk,
  ParameterSchema,
  PolicyDefinition,
} from '../../engine/model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../../engine/runners/runner.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';

/** The default configuration (engine/config) with this test's data dir, cap and audit path. */
export function testConfig(dataDir: string, maxParallel = 16): EngineConfig {
  const base = loadConfig({ env: {}, cwd: dataDir }).engine;
  return {
    ...base,
    dataDir,
    packs: { ...base.packs, paths: [], configDir: join(dataDir, 'configs') },
    executions: { ...base.executions, outputCapBytes: 1024 * 1024, maxParallel, drainSeconds: 30 },
    audit: { path: join(dataDir, 'audit.log'), maxBytes: 0, keep: 3 },
    retention: { executionsDays: 30, triggerInstancesDays: 7, outputDays: 7 },
    crypto: { ...base.crypto, keyPath: join(dataDir, 'squall.key') },
  };
}

export function action(
  ref: string,
  runner: string,
  parameters: ParameterSchema = {},
  patch: Partial<ActionDefinition> = {},
) {
  const [pack, name] = ref.split('.') as [string, string];
  return {
    ref,
    name,
    pack,
    enabled: true,
    runner_type: runner,
    parameters,
    metadata_file: `/packs/${pack}/actions/${name}.yaml`,
    pack_path: `/packs/${pack}`,
    ...patch,
  } satisfies ActionDefinition;
}

export function policy(
  resource: string,
  type: string,
  parameters: Record<string, unknown>,
  name = `${type}-${resource}`,
): PolicyDefinition {
  return {
    ref: `tests.${name}`,
    name,
    pack: 'tests',
    enabled: true,
    resource_ref: resource,
    policy_type: type,
    parameters,
    metadata_file: `/packs/tests/policies/${name}.yaml`,
  };
}

/** A promise you resolve from outside. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A runner whose executions wait until the test releases them (`release(id, result)`), or until their signal
 * aborts (then it reports failed, and the service turns that into timeout/canceled). `stubborn` ignores the signal.
 */
export class GateRunner implements Runner {
  readonly name: string;
  readonly parameters: ParameterSchema;
  readonly defaultTimeoutSeconds?: number;
  readonly started: RunnerContext[] = [];
  readonly #gates = new Map<string, (r: RunnerResult) => void>();
  readonly #startWaiters: Array<{ n: number; resolve: () => void }> = [];
  maxOverlap = 0;
  overlapByHost = new Map<string, number>();
  #current = 0;
  #currentByHost = new Map<string, number>();

  constructor(
    name = 'gate',
    options: { parameters?: ParameterSchema; defaultTimeoutSeconds?: number; stubborn?: boolean } = {},
  ) {
    this.name = name;
    this.parameters = options.parameters ?? {};
    this.defaultTimeoutSeconds = options.defaultTimeoutSeconds;
    this.stubborn = options.stubborn ?? false;
  }

  readonly stubborn: boolean;

  run(ctx: RunnerContext): Promise<RunnerResult> {
    this.started.push(ctx);
    this.#current++;
    this.maxOverlap = Math.max(this.maxOverlap, this.#current);
    const host = String(ctx.parameters.host ?? '');
    const h = (this.#currentByHost.get(host) ?? 0) + 1;
    this.#currentByHost.set(host, h);
    this.overlapByHost.set(host, Math.max(this.overlapByHost.get(host) ?? 0, h));
    for (const w of [...this.#startWaiters]) {
      if (this.started.length >= w.n) {
        this.#startWaiters.splice(this.#startWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    return new Promise<RunnerResult>((resolve) => {
      const done = (r: RunnerResult) => {
        this.#gates.delete(ctx.executionId);
        this.#current--;
        this.#currentByHost.set(host, (this.#currentByHost.get(host) ?? 1) - 1);
        resolve(r);
      };
      this.#gates.set(ctx.executionId, done);
      if (!this.stubborn) {
        ctx.signal.addEventListener('abort', () => done({ status: 'failed', result: { killed: true } }), {
          once: true,
        });
      }
    });
  }

  /** Resolves once `n` executions have started in total. */
  waitStarted(n: number): Promise<void> {
    if (this.started.length >= n) return Promise.resolve();
    const d = deferred<void>();
    this.#startWaiters.push({ n, resolve: () => d.resolve() });
    return d.promise;
  }

  release(id: string, result: RunnerResult = { status: 'succeeded', result: { ok: true } }): void {
    const gate = this.#gates.get(id);
    if (!gate) throw new Error(`gate runner: ${id} is not running`);
    gate(result);
  }

  get running(): string[] {
    return [...this.#gates.keys()];
  }
}

/** Does what its `mode` parameter says, synchronously (output, secrets, failures). */
export class ScriptedRunner implements Runner {
  readonly name = 'scripted';
  readonly parameters: ParameterSchema = {
    mode: { type: 'string', default: 'succeed' },
    password: { type: 'string', secret: true },
    timeout: { type: 'integer' },
  };
  readonly calls: RunnerContext[] = [];

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    this.calls.push(ctx);
    const password = String(ctx.parameters.password ?? '');
    switch (ctx.parameters.mode) {
      case 'echo-secret':
        ctx.output('stdout', `connecting with ${password}\n`);
        ctx.output('stderr', `warn: "${JSON.stringify(password).slice(1, -1)}"\n`);
        ctx.addSecret('token-from-kv-XYZ');
        ctx.logger.info({ password_echo: password }, `using ${password}`);
        ctx.output('stdout', 'fetched token-from-kv-XYZ\n');
        return { status: 'succeeded', result: { stdout: `pw=${password}`, token: 'token-from-kv-XYZ' } };
      case 'split-secret':
        ctx.output('stdout', `token: ${password.slice(0, 6)}`);
        ctx.output('stdout', `${password.slice(6)} done\n`);
        ctx.output('stdout', `tail ${password.slice(0, 3)}`); // ends like a secret: flushed at the end
        return { status: 'succeeded' };
      case 'flood':
        for (let i = 0; i < 5; i++) ctx.output('stdout', 'aaaaaa\n');
        ctx.output('stderr', 'e\n');
        return { status: 'succeeded', result: { ok: true } };
      case 'echo-all':
        ctx.output('stdout', `params ${JSON.stringify(ctx.parameters)}\n`);
        return { status: 'succeeded', result: { params: ctx.parameters } };
      case 'fail':
        return { status: 'failed', result: { error: 'exit 1' } };
      case 'throw':
        throw new Error(`kaboom with ${password}`);
      default:
        return { status: 'succeeded', result: { ok: true } };
    }
  }
}

/** An async runner (like orquesta/inquirer): leaves executions running and records control calls. */
export class AsyncRunner implements Runner {
  readonly name = 'async';
  readonly parameters: ParameterSchema = {};
  readonly calls: string[] = [];
  service?: ExecutionServiceType;

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    this.calls.push(`run:${ctx.executionId}`);
    ctx.record.runner_state = { step: 1 };
    return { status: 'running' };
  }
  async cancel(id: string): Promise<void> {
    this.calls.push(`cancel:${id}`);
    await this.service?.complete(id, 'canceled', { canceled_by: 'runner' });
  }
  async pause(id: string): Promise<void> {
    this.calls.push(`pause:${id}`);
    await this.service?.complete(id, 'paused');
  }
  async resume(id: string): Promise<void> {
    this.calls.push(`resume:${id}`);
    await this.service?.complete(id, 'running');
  }
  async recover(record: ExecutionRecord): Promise<void> {
    this.calls.push(`recover:${record.id}:${record.status}`);
  }
}

export const noopRunner: Runner = {
  name: 'noop',
  parameters: {},
  async run() {
    return { status: 'succeeded', result: { succeeded: true } };
  },
};

export interface Harness {
  dir: string;
  store: SqliteStore;
  events: EventBus;
  box: SecretBox;
  audit: AuditLog;
  config: EngineConfig;
  actions: Map<string, ActionDefinition>;
  runners: Map<string, Runner>;
  policies: PolicyDefinition[];
  updates: ExecutionRecord[];
  creates: ExecutionRecord[];
  outputs: OutputChunk[];
  cleanup(): void;
}

/** `writerThread`: the store as the server runs it (commits on a writer thread). */
export function makeHarness(maxParallel = 16, options: { writerThread?: boolean } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'squall-exec-'));
  const store = new SqliteStore({
    filename: join(dir, 'squall.db'),
    groupCommit: true,
    writerThread: options.writerThread,
  });
  const events = new EventBus();
  const h: Harness = {
    dir,
    store,
    events,
    box: new SecretBox(randomBytes(32)),
    audit: new AuditLog({ path: join(dir, 'audit.log'), sync: true }),
    config: testConfig(dir, maxParallel),
    actions: new Map(),
    runners: new Map(),
    policies: [],
    updates: [],
    creates: [],
    outputs: [],
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  events.on('execution__update', (r) => h.updates.push(r));
  events.on('execution__create', (r) => h.creates.push(r));
  events.on('execution__output', (c) => h.outputs.push(c));
  return h;
}

/** An ExecutionService's dependencies wired to the harness (silent logger, 20 ms abort grace); spread and patch. */
export function serviceDeps(h: Harness): ExecutionServiceDeps {
  return {
    store: h.store,
    events: h.events,
    getAction: (ref) => h.actions.get(ref),
    runners: h.runners,
    policies: () => h.policies,
    secretBox: h.box,
    config: h.config,
    logger: silentLogger(),
    audit: h.audit,
    abortGraceMs: 20,
  };
}

export function statuses(rec: ExecutionRecord | undefined): ExecutionStatus[] {
  return rec?.log.map((l) => l.status) ?? [];
}

/** Lets pending promise callbacks and immediates run. */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
