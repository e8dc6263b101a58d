/**
 * One chat command from start to finish (for `squall chat` and POST /api/v1/chat): sends it, then waits for the
 * executions it started to end AND for the bot to have delivered their results to the chat.
 */
import type { Engine } from '../engine/engine.ts';
import type { ExecutionRecord } from '../engine/model/execution.ts';
import { ChatRefs } from './chat-refs.ts';

export async function runOneCommand(options: {
  engine: Engine;
  /** Adapter name and channel the command is sent on (executions are recognised by their chat context). */
  adapter: string;
  channel: string;
  send: () => Promise<void>;
  /** Upper bound for the bot to deliver a result after the execution ended. */
  deliveryTimeoutMs?: number;
  /** Stop waiting for an execution that is waiting for an answer (nobody can answer here). */
  returnOnPending?: boolean;
}): Promise<ExecutionRecord[]> {
  const { engine } = options;
  const ids: string[] = [];
  const off = engine.events.on('execution__create', (record) => {
    const chat = record.context.chat as { adapter?: string; channel?: string } | undefined;
    if (chat?.adapter === options.adapter && chat.channel === options.channel && !record.parent)
      ids.push(record.id);
  });
  try {
    await options.send();
  } finally {
    off();
  }
  const finals = await Promise.all(
    ids.map((id) => (options.returnOnPending ? untilDoneOrPending(engine, id) : engine.waitForExecution(id))),
  );
  const refs = new ChatRefs(engine.store);
  const deadline = Date.now() + (options.deliveryTimeoutMs ?? 10_000);
  const delivered = (id: string) => {
    const state = refs.execution(id);
    return !state || state.delivered === true || WAITING.has(finals.find((f) => f.id === id)?.status ?? '');
  };
  while (Date.now() < deadline && !ids.every(delivered)) await new Promise((r) => setTimeout(r, 25));
  return finals;
}

/** Waiting for someone to answer: an inquiry itself (pending) or a workflow paused on one. */
const WAITING: ReadonlySet<string> = new Set(['pending', 'paused']);

function untilDoneOrPending(engine: Engine, id: string): Promise<ExecutionRecord> {
  return new Promise((resolve, reject) => {
    const off = engine.events.on('execution__update', (record) => {
      if (record.id !== id || !WAITING.has(record.status)) return;
      off();
      resolve(record);
    });
    const current = engine.getExecution(id);
    if (current && WAITING.has(current.status)) {
      off();
      resolve(current);
      return;
    }
    engine.waitForExecution(id).then(
      (record) => {
        off();
        resolve(record);
      },
      (err: unknown) => {
        off();
        reject(err);
      },
    );
  });
}
