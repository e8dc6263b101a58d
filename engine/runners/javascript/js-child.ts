/**
 * The action process of the javascript runner: loads the entry module fresh (a new process per run, so a changed
 * module is always picked up), calls its exported function with (parameters, context) and reports over IPC.
 * Started by js-runner.ts as `node --import tsx js-child.ts`; never imported.
 */
import { pathToFileURL } from 'node:url';
import type { ChildMessage, DatastoreReply, LogLevel, ParentMessage, RunMessage } from './ipc-messages.ts';

type ActionFunction = (parameters: Record<string, unknown>, context: ActionContext) => unknown;

export interface ActionContext {
  executionId: string;
  action: { ref: string; pack: string };
  config: Record<string, unknown>;
  logger: Record<LogLevel, (msg: string, fields?: Record<string, unknown>) => void>;
  datastore: {
    get(key: string, options?: { scope?: 'system' | 'user'; decrypt?: boolean }): Promise<unknown>;
    set(
      key: string,
      value: unknown,
      options?: { scope?: 'system' | 'user'; encrypt?: boolean; ttl?: number },
    ): Promise<void>;
  };
  output(stream: 'stdout' | 'stderr', text: string): void;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextId = 1;

function datastoreCall(op: 'get' | 'set', key: string, value?: unknown, options?: object): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    void send({ type: 'datastore', id, op, key, value, options: options as Record<string, unknown> });
  });
}

function pickFunction(mod: Record<string, unknown>): ActionFunction | undefined {
  const candidates = [mod.default, mod.run, (mod.default as Record<string, unknown> | undefined)?.run];
  return candidates.find((c): c is ActionFunction => typeof c === 'function');
}

/** Values cross IPC as JSON: undefined becomes null, functions and symbols vanish. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null');
}

async function run(message: RunMessage): Promise<void> {
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) =>
    void send({
      type: 'log',
      level,
      msg: String(msg),
      fields: fields ? (jsonSafe(fields) as Record<string, unknown>) : undefined,
    });
  const context: ActionContext = {
    executionId: message.executionId,
    action: message.action,
    config: message.config,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    datastore: {
      get: (key, options) => datastoreCall('get', key, undefined, options),
      set: async (key, value, options) => {
        await datastoreCall('set', key, value, options);
      },
    },
    // Written to the real stream so it is captured (and capped) like console output.
    output: (stream, text) =>
      void (stream === 'stderr' ? process.stderr : process.stdout).write(String(text)),
  };
  try {
    const mod = (await import(pathToFileURL(message.entry).href)) as Record<string, unknown>;
    const fn = pickFunction(mod);
    if (!fn) throw new Error(`${message.entry} exports no function (expected a default export or "run")`);
    const result = await fn(message.parameters, context);
    await send({ type: 'result', ok: true, result: jsonSafe(result) });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    await send({ type: 'result', ok: false, error: err.message, traceback: err.stack });
  }
  process.exit(0);
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'run') void run(message);
  else if (message.type === 'datastore_result') settle(message);
});
// Messages that arrive before a listener exists are dropped, so the parent waits for this before sending 'run'.
void send({ type: 'ready' });

function settle(reply: DatastoreReply): void {
  const waiter = pending.get(reply.id);
  if (!waiter) return;
  pending.delete(reply.id);
  if (reply.ok) waiter.resolve(reply.value);
  else waiter.reject(new Error(reply.error ?? 'datastore call failed'));
}
