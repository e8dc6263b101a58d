/**
 * One sensor process: loads the sensor module fresh, calls setup(), then poll() every poll interval or run()
 * once, and reports over IPC. A heartbeat runs from the first instant so the host notices a blocked event loop
 * (a synchronous busy loop) even during import. Started by sensor-host.ts as `node --import tsx sensor-child.ts`.
 */
import { pathToFileURL } from 'node:url';
import { jsonSafe, logMessage, ParentCalls, sendToParent } from '../runners/child-ipc.ts';
import type {
  DatastoreOp,
  HostMessage,
  SensorLogLevel,
  SensorMessage,
  SensorStartMessage,
} from './sensor-ipc.ts';

export interface SensorContext {
  sensor: { ref: string; pack: string; name: string };
  /** The pack's config (pack config file, schema defaults, datastore references resolved). */
  config: Record<string, unknown>;
  /** Emits a trigger instance (`pack.trigger_name`) with its payload. */
  dispatch(trigger: string, payload?: Record<string, unknown>): void;
  logger: Record<SensorLogLevel, (msg: string, fields?: Record<string, unknown>) => void>;
  /**
   * System-scope datastore. `local` (default true) prefixes keys with `<pack>.<ClassName>:` as st2's sensor
   * service does, so sensors keep their state apart.
   */
  datastore: {
    get(key: string, options?: { local?: boolean; decrypt?: boolean }): Promise<string | undefined>;
    set(
      key: string,
      value: unknown,
      options?: { local?: boolean; encrypt?: boolean; ttl?: number },
    ): Promise<void>;
    delete(key: string, options?: { local?: boolean }): Promise<boolean>;
    list(options?: { local?: boolean; prefix?: string }): Promise<Array<{ name: string; value: string }>>;
  };
  /** Poll sensors: change the seconds between polls (st2's set_poll_interval). */
  setPollInterval(seconds: number): void;
  readonly pollInterval: number;
}

type Hook = (context: SensorContext) => unknown;
interface SensorInstance {
  setup?: Hook;
  run?: Hook;
  poll?: Hook;
  cleanup?: Hook;
}

const send = (message: SensorMessage): Promise<void> => sendToParent(message);
const datastore = new ParentCalls<SensorMessage>('datastore call failed');

function datastoreCall(op: DatastoreOp, key?: string, value?: unknown, options?: object): Promise<unknown> {
  return datastore.call((id) => ({ type: 'datastore', id, op, key, value, options: options as never }));
}

let instance: SensorInstance | undefined;
let context: SensorContext | undefined;
let stopping = false;

async function fail(phase: string, error: unknown): Promise<never> {
  const err = error instanceof Error ? error : new Error(String(error));
  await send({ type: 'failed', phase, error: err.message, stack: err.stack });
  process.exit(1);
}

function bounded<T>(promise: Promise<T> | T, ms: number, what: string): Promise<T> {
  if (!(promise instanceof Promise) || ms <= 0) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function instantiate(mod: Record<string, unknown>, className: string, ctx: SensorContext): SensorInstance {
  const candidates = [
    mod[className],
    mod.default,
    (mod.default as Record<string, unknown> | undefined)?.[className],
    mod,
  ];
  for (const c of candidates) {
    if (typeof c === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(c)))
      return new (c as new (ctx: SensorContext, config: Record<string, unknown>) => SensorInstance)(
        ctx,
        ctx.config,
      );
    if (
      c &&
      typeof c === 'object' &&
      ['poll', 'run'].some((m) => typeof (c as Record<string, unknown>)[m] === 'function')
    )
      return c as SensorInstance;
  }
  throw new Error(
    `exports no sensor: expected a class or object "${className}" (or default) with poll() or run()`,
  );
}

async function start(message: SensorStartMessage): Promise<void> {
  let pollInterval = message.pollInterval;
  const log = (level: SensorLogLevel) => (msg: string, fields?: Record<string, unknown>) =>
    void send(logMessage(level, msg, fields));
  const ctx: SensorContext = {
    sensor: message.sensor,
    config: message.config,
    dispatch: (trigger, payload = {}) =>
      void send({
        type: 'dispatch',
        trigger: String(trigger),
        payload: jsonSafe(payload) as Record<string, unknown>,
      }),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    datastore: {
      get: (key, options) => datastoreCall('get', key, undefined, options) as Promise<string | undefined>,
      set: async (key, value, options) => {
        await datastoreCall('set', key, typeof value === 'string' ? value : JSON.stringify(value), options);
      },
      delete: (key, options) => datastoreCall('delete', key, undefined, options) as Promise<boolean>,
      list: (options) =>
        datastoreCall('list', undefined, undefined, options) as Promise<
          Array<{ name: string; value: string }>
        >,
    },
    setPollInterval: (seconds) => {
      if (typeof seconds === 'number' && seconds > 0) pollInterval = seconds;
    },
    get pollInterval() {
      return pollInterval;
    },
  };
  context = ctx;
  try {
    const mod = (await import(pathToFileURL(message.entry).href)) as Record<string, unknown>;
    instance = instantiate(mod, message.className, ctx);
  } catch (error) {
    return fail('load', error);
  }
  try {
    if (typeof instance.setup === 'function')
      await bounded(
        instance.setup.call(instance, ctx) as Promise<unknown>,
        message.setupTimeoutMs,
        'setup()',
      );
  } catch (error) {
    return fail('setup', error);
  }
  await send({ type: 'running' });
  if (typeof instance.poll === 'function') {
    for (;;) {
      if (stopping) return;
      try {
        await bounded(instance.poll.call(instance, ctx) as Promise<unknown>, message.pollTimeoutMs, 'poll()');
      } catch (error) {
        return fail('poll', error);
      }
      await send({ type: 'poll_ok' });
      await new Promise((r) => setTimeout(r, pollInterval * 1000));
    }
  }
  if (typeof instance.run === 'function') {
    try {
      // run() may stay pending forever (a listener) or resolve once it has set things up: both are fine.
      await instance.run.call(instance, ctx);
    } catch (error) {
      return fail('run', error);
    }
    return;
  }
  return fail('load', new Error('the sensor has neither poll() nor run()'));
}

async function stop(timeoutMs: number): Promise<void> {
  stopping = true;
  try {
    if (instance && context && typeof instance.cleanup === 'function')
      await bounded(instance.cleanup.call(instance, context) as Promise<unknown>, timeoutMs, 'cleanup()');
  } catch (error) {
    await send({ type: 'log', level: 'warn', msg: `cleanup failed: ${(error as Error).message}` });
  }
  process.exit(0);
}

let cleanupTimeoutMs = 5000;
process.on('message', (message: HostMessage) => {
  if (message.type === 'start') {
    cleanupTimeoutMs = message.cleanupTimeoutMs;
    const beat = setInterval(() => void send({ type: 'heartbeat' }), message.heartbeatMs);
    beat.unref();
    void start(message);
  } else if (message.type === 'stop') void stop(cleanupTimeoutMs);
  else if (message.type === 'datastore_result') datastore.settle(message);
});
process.on('uncaughtException', (error) => void fail('uncaught', error));
process.on('unhandledRejection', (error) => void fail('unhandled rejection', error));
// The host closes the IPC channel when it goes away: do not outlive it.
process.on('disconnect', () => process.exit(0));
void send({ type: 'booted' });
