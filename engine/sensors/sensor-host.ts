import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../log/logger.ts';
import type { SensorDefinition } from '../model/sensor.ts';
import type { HostMessage, SensorMessage } from './sensor-ipc.ts';

const CHILD = fileURLToPath(new URL('./sensor-child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const JS_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];
// Variables a sensor process gets: not the engine's whole environment (chat tokens stay out).
const ENV_KEEP = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
];

export type SensorState =
  | 'starting'
  | 'running'
  | 'restarting'
  | 'failed'
  | 'stopped'
  | 'disabled'
  | 'unsupported';

export interface SensorStatus {
  ref: string;
  pack: string;
  class_name: string;
  entry_point?: string;
  poll_interval?: number;
  trigger_types: string[];
  state: SensorState;
  /** Restarts since the host started it (crashes, throws, hangs, missed heartbeats). */
  restarts: number;
  last_error?: string;
  last_error_at?: string;
  started_at?: string;
  /** When restarting: the next attempt. */
  next_start_at?: string;
  pid?: number;
}

/** Timings; all configurable so tests run fast. */
export interface SensorHostTimings {
  /** The sensor process sends a heartbeat this often. */
  heartbeatMs: number;
  /** No heartbeat for this long (a blocked event loop) → the process is killed and restarted. */
  heartbeatTimeoutMs: number;
  /** setup() must settle within this. */
  setupTimeoutMs: number;
  /** One poll() must settle within this (default: the larger of 60 s and 3 poll intervals). */
  pollTimeoutMs?: number;
  cleanupTimeoutMs: number;
  /** Restart delay: initial, doubled per consecutive failure, capped. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Consecutive failures before the sensor is left `failed` (0: keep trying forever). */
  maxRestarts: number;
  /** Poll interval when the sensor YAML gives none (seconds; st2's default is 60). */
  defaultPollInterval: number;
}

export const DEFAULT_SENSOR_TIMINGS: SensorHostTimings = {
  heartbeatMs: 2000,
  heartbeatTimeoutMs: 15_000,
  setupTimeoutMs: 30_000,
  cleanupTimeoutMs: 5000,
  backoffInitialMs: 1000,
  backoffMaxMs: 300_000,
  maxRestarts: 0,
  defaultPollInterval: 60,
};

export interface SensorDatastore {
  get(key: string, options: { decrypt?: boolean }): Promise<string | undefined>;
  set(key: string, value: string, options: { encrypt?: boolean; ttl?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(prefix: string): Promise<Array<{ name: string; value: string }>>;
}

export interface SensorHostOptions {
  logger: Logger;
  /** Emits a trigger instance for a sensor. */
  dispatch(trigger: string, payload: Record<string, unknown>, sensor: SensorDefinition): void;
  /** The resolved pack config a sensor receives (throws when it is invalid: the sensor is then `failed`). */
  packConfig(pack: string): Promise<Record<string, unknown>>;
  datastore: SensorDatastore;
  timings?: Partial<SensorHostTimings>;
}

/** What makes a sensor "changed" for a reload: definition, entry module mtime, config. */
function fingerprint(def: SensorDefinition, config: unknown): string {
  let mtime = 0;
  try {
    mtime = def.entry_point_path ? statSync(def.entry_point_path).mtimeMs : 0;
  } catch {
    /* missing: reported when started */
  }
  return JSON.stringify([def, mtime, config]);
}

/** One supervised sensor process. */
class SupervisedSensor {
  status: SensorStatus;
  fingerprint = '';
  #child?: ChildProcess;
  #generation = 0;
  #consecutive = 0;
  #lastBeat = 0;
  #watchdog?: NodeJS.Timeout;
  #restartTimer?: NodeJS.Timeout;
  #stopping = false;
  #runningSince = 0;
  #config: Record<string, unknown> = {};

  #stableMs(): number {
    return Math.max(10 * this.t.heartbeatMs, this.t.backoffMaxMs);
  }

  constructor(
    public def: SensorDefinition,
    private readonly host: SensorHostOptions,
    private readonly t: SensorHostTimings,
  ) {
    this.status = {
      ref: def.ref,
      pack: def.pack,
      class_name: def.class_name,
      ...(def.entry_point ? { entry_point: def.entry_point } : {}),
      ...(def.poll_interval ? { poll_interval: def.poll_interval } : {}),
      trigger_types: def.trigger_types.map((t) => t.ref),
      state: 'stopped',
      restarts: 0,
    };
  }

  get log(): Logger {
    return this.host.logger;
  }

  async start(config: Record<string, unknown>): Promise<void> {
    this.#config = config;
    this.#stopping = false;
    const entry = this.def.entry_point_path;
    if (!this.def.enabled) {
      this.status.state = 'disabled';
      return;
    }
    if (!entry || !JS_EXTENSIONS.some((ext) => entry.endsWith(ext))) {
      this.status.state = 'unsupported';
      this.status.last_error = entry
        ? `entry point ${this.def.entry_point} is not a JavaScript/TypeScript module (Python sensors do not run)`
        : 'the sensor has no entry_point';
      return;
    }
    this.#spawn();
  }

  #spawn(): void {
    const generation = ++this.#generation;
    const def = this.def;
    this.status.state = 'starting';
    this.status.next_start_at = undefined;
    const env: Record<string, string> = {};
    for (const k of ENV_KEEP) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    const child = spawn(process.execPath, ['--import', TSX, CHILD], {
      cwd: def.entry_point_path ? def.entry_point_path.replace(/\/[^/]*$/, '') : undefined,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child = child;
    this.status.pid = child.pid;
    this.status.started_at = new Date().toISOString();
    const fields = { sensor: def.ref, sensor_pid: child.pid };
    const lines = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      for (const line of String(data).split('\n').filter(Boolean))
        this.log[stream === 'stderr' ? 'warn' : 'info']({ ...fields, stream }, line);
    };
    child.stdout?.on('data', lines('stdout'));
    child.stderr?.on('data', lines('stderr'));
    const send = (m: HostMessage) => {
      if (child.connected)
        child.send(m, (err) => err && this.log.debug({ ...fields, err }, 'sensor ipc send'));
    };
    child.on('message', (m: SensorMessage) => {
      if (m.type === 'heartbeat' && this.#child === child) this.#lastBeat = Date.now();
      if (generation !== this.#generation) return;
      switch (m.type) {
        case 'booted':
          this.#lastBeat = Date.now();
          send({
            type: 'start',
            entry: def.entry_point_path!,
            className: def.class_name,
            sensor: { ref: def.ref, pack: def.pack, name: def.name },
            config: this.#config,
            pollInterval: def.poll_interval ?? this.t.defaultPollInterval,
            setupTimeoutMs: this.t.setupTimeoutMs,
            pollTimeoutMs:
              this.t.pollTimeoutMs ??
              Math.max(60_000, 3000 * (def.poll_interval ?? this.t.defaultPollInterval)),
            cleanupTimeoutMs: this.t.cleanupTimeoutMs,
            heartbeatMs: this.t.heartbeatMs,
          });
          this.#armWatchdog(generation);
          break;
        case 'heartbeat':
          this.#lastBeat = Date.now();
          // run() sensors have no poll to prove health: a stable stretch resets the backoff.
          if (this.status.state === 'running' && this.#lastBeat - this.#runningSince > this.#stableMs())
            this.#consecutive = 0;
          break;
        case 'running':
          this.#runningSince = Date.now();
          this.status.state = 'running';
          this.log.info(fields, 'sensor running');
          break;
        case 'poll_ok':
          this.#consecutive = 0;
          break;
        case 'dispatch':
          try {
            this.host.dispatch(m.trigger, m.payload ?? {}, def);
          } catch (err) {
            this.log.warn({ ...fields, trigger: m.trigger, err }, 'sensor dispatch failed');
          }
          break;
        case 'log': {
          const level = ['debug', 'info', 'warn', 'error'].includes(m.level) ? m.level : 'info';
          this.log[level]({ ...(m.fields ?? {}), ...fields }, m.msg);
          break;
        }
        case 'datastore':
          void this.#datastore(m, send);
          break;
        case 'failed':
          this.#failed(generation, `${m.phase}: ${m.error}`, m.stack);
          break;
      }
    });
    child.on('error', (err) =>
      this.#failed(generation, `could not start the sensor process: ${err.message}`),
    );
    child.on('exit', (code, signal) => {
      if (generation !== this.#generation) return;
      if (this.#stopping) return;
      this.#failed(generation, `the sensor process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    });
  }

  #armWatchdog(generation: number): void {
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(
      () => {
        if (generation !== this.#generation) return clearInterval(this.#watchdog);
        const silent = Date.now() - this.#lastBeat;
        if (silent > this.t.heartbeatTimeoutMs)
          this.#failed(
            generation,
            `no heartbeat for ${silent} ms (the event loop is blocked, e.g. a synchronous busy loop)`,
          );
      },
      Math.max(50, Math.min(this.t.heartbeatMs, this.t.heartbeatTimeoutMs / 2)),
    );
    this.#watchdog.unref();
  }

  async #datastore(
    m: Extract<SensorMessage, { type: 'datastore' }>,
    send: (m: HostMessage) => void,
  ): Promise<void> {
    const opts = m.options ?? {};
    const prefix = opts.local === false ? '' : `${this.def.pack}.${this.def.class_name}:`;
    const store = this.host.datastore;
    try {
      let value: unknown;
      if (m.op !== 'list' && (typeof m.key !== 'string' || !m.key))
        throw new Error('datastore key must be a non-empty string');
      if (m.op === 'get') value = await store.get(prefix + m.key, { decrypt: opts.decrypt });
      else if (m.op === 'set')
        await store.set(prefix + m.key, String(m.value ?? ''), { encrypt: opts.encrypt, ttl: opts.ttl });
      else if (m.op === 'delete') value = await store.delete(prefix + m.key);
      else
        value = (await store.list(prefix + (opts.prefix ?? ''))).map((i) => ({
          name: i.name.slice(prefix.length),
          value: i.value,
        }));
      send({ type: 'datastore_result', id: m.id, ok: true, value: value ?? null });
    } catch (error) {
      send({ type: 'datastore_result', id: m.id, ok: false, error: (error as Error).message });
    }
  }

  #failed(generation: number, message: string, stack?: string): void {
    if (generation !== this.#generation || this.#stopping) return;
    this.#generation++; // later messages of this process are ignored
    clearInterval(this.#watchdog);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.#child = undefined;
    this.status.pid = undefined;
    this.status.last_error = message;
    this.status.last_error_at = new Date().toISOString();
    this.#consecutive++;
    if (this.t.maxRestarts > 0 && this.#consecutive > this.t.maxRestarts) {
      this.status.state = 'failed';
      this.log.error(
        { sensor: this.def.ref, error: message, stack },
        `sensor failed ${this.#consecutive} times in a row; not restarting`,
      );
      return;
    }
    const delay = Math.min(this.t.backoffMaxMs, this.t.backoffInitialMs * 2 ** (this.#consecutive - 1));
    this.status.state = 'restarting';
    this.status.restarts++;
    this.status.next_start_at = new Date(Date.now() + delay).toISOString();
    this.log.warn(
      { sensor: this.def.ref, error: message, stack, restart_in_ms: delay, restarts: this.status.restarts },
      `sensor failed: ${message}; restarting`,
    );
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn();
    }, delay);
    this.#restartTimer.unref();
  }

  /** Asks the sensor to clean up and exit; kills it after the cleanup timeout. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#generation++;
    clearInterval(this.#watchdog);
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    this.status.pid = undefined;
    if (['running', 'starting', 'restarting'].includes(this.status.state)) this.status.state = 'stopped';
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A process that stopped beating cannot run cleanup(): kill it at once.
    const beating = Date.now() - this.#lastBeat <= 2 * this.t.heartbeatMs + 100;
    if (!beating) child.kill('SIGKILL');
    else if (child.connected) child.send({ type: 'stop' } satisfies HostMessage, () => {});
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.t.cleanupTimeoutMs + 1000);
    // A process that stops beating while it should be cleaning up (blocked loop) is killed without waiting.
    const stale = setInterval(
      () => {
        if (Date.now() - this.#lastBeat > 2 * this.t.heartbeatMs + 100) child.kill('SIGKILL');
      },
      Math.max(50, this.t.heartbeatMs),
    );
    await exited;
    clearTimeout(timer);
    clearInterval(stale);
    if (this.#child === child) this.#child = undefined;
  }
}

/**
 * Runs every enabled JS/TS sensor in its own Node process, supervised: a throw, a crash, a setup()/poll() that
 * never settles, or a blocked event loop (missed heartbeats) is logged and the sensor restarted with exponential
 * backoff. The engine and the other sensors keep serving meanwhile.
 */
export class SensorHost {
  readonly #sensors = new Map<string, SupervisedSensor>();
  readonly #timings: SensorHostTimings;
  #stopped = false;
  #updating: Promise<void> = Promise.resolve();

  constructor(private readonly options: SensorHostOptions) {
    this.#timings = { ...DEFAULT_SENSOR_TIMINGS, ...options.timings };
  }

  /**
   * Brings the running sensors in line with `definitions`: new ones start, removed ones stop, changed ones
   * (definition, module file, pack config) restart with a fresh module. Unchanged ones keep running.
   */
  update(definitions: SensorDefinition[]): Promise<void> {
    const run = this.#updating.then(() => this.#update(definitions));
    this.#updating = run.catch(() => undefined);
    return run;
  }

  async #update(definitions: SensorDefinition[]): Promise<void> {
    if (this.#stopped) return;
    const wanted = new Map(definitions.map((d) => [d.ref, d]));
    for (const [ref, sensor] of this.#sensors) {
      if (!wanted.has(ref)) {
        await sensor.stop();
        this.#sensors.delete(ref);
        this.options.logger.info({ sensor: ref }, 'sensor removed');
      }
    }
    for (const def of definitions) {
      let config: Record<string, unknown> = {};
      let configError: string | undefined;
      try {
        config = await this.options.packConfig(def.pack);
      } catch (error) {
        configError = `pack config: ${(error as Error).message}`;
      }
      const print = fingerprint(def, config);
      const existing = this.#sensors.get(def.ref);
      if (existing && existing.fingerprint === print && !configError) continue;
      if (existing) await existing.stop();
      const sensor = new SupervisedSensor(def, this.options, this.#timings);
      if (existing) sensor.status.restarts = existing.status.restarts;
      sensor.fingerprint = print;
      this.#sensors.set(def.ref, sensor);
      if (configError) {
        sensor.status.state = 'failed';
        sensor.status.last_error = configError;
        sensor.status.last_error_at = new Date().toISOString();
        this.options.logger.error({ sensor: def.ref }, `sensor not started: ${configError}`);
        continue;
      }
      await sensor.start(config);
    }
  }

  status(): SensorStatus[] {
    return [...this.#sensors.values()].map((s) => ({ ...s.status }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#updating;
    await Promise.all([...this.#sensors.values()].map((s) => s.stop()));
  }
}
