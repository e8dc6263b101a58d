/**
 * The action process of the javascript runner: loads the entry module fresh (a new process per run, so a changed
 * module is always picked up), calls its exported function with (parameters, context) and reports over IPC.
 * Started by js-runner.ts as `node --import tsx js-child.ts`; never imported.
 */
import { pathToFileURL } from 'node:url';
import { jsonSafe, logMessage, ParentCalls, sendToParent } from '../child-ipc.ts';
import type { ChildMessage, LogLevel, ParentMessage, RunMessage } from './ipc-messages.ts';

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

const send = (message: ChildMessage): Promise<void> => sendToParent(message);
const datastore = new ParentCalls<ChildMessage>('datastore call failed');

function datastoreCall(op: 'get' | 'set', key: string, value?: unknown, options?: object): Promise<unknown> {
  return datastore.call((id) => ({
    type: 'datastore',
    id,
    op,
    key,
    value,
    options: options as Record<string, unknown>,
  }));
}

function pickFunction(mod: Record<string, unknown>): ActionFunction | undefined {
  const candidates = [mod.default, mod.run, (mod.default as Record<string, unknown> | undefined)?.run];
  return candidates.find((c): c is ActionFunction => typeof c === 'function');
}

async function run(message: RunMessage): Promise<void> {
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) =>
    void send(logMessage(level, msg, fields));
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
  else if (message.type === 'datastore_result') datastore.settle(message);
});
// Messages that arrive before a listener exists are dropped, so the parent waits for this before sending 'run'.
void send({ type: 'ready' });
