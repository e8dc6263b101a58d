/**
 * The child side of the IPC plumbing shared by Node children (javascript actions: javascript/js-child.ts;
 * sensors: sensors/sensor-child.ts): sending to the parent, JSON-safe values, log messages, and request/reply
 * calls (the datastore) correlated by id. Imported only by those child processes.
 */

/** Sends `message` to the parent; resolves once it is written (at once when there is no channel). */
export function sendToParent(message: object): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Values cross IPC as JSON: undefined becomes null, functions and symbols vanish, bigints become strings. */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null');
}

/** A `log` message for the parent, its fields made JSON-safe. */
export function logMessage<L extends string>(
  level: L,
  msg: unknown,
  fields?: Record<string, unknown>,
): { type: 'log'; level: L; msg: string; fields?: Record<string, unknown> } {
  return {
    type: 'log',
    level,
    msg: String(msg),
    fields: fields ? (jsonSafe(fields) as Record<string, unknown>) : undefined,
  };
}

export interface ParentReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Calls answered by the parent: each gets an id, the reply with that id settles it. M: the child's messages. */
export class ParentCalls<M extends object> {
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;

  /** `failure` is the error message when the parent answers not ok without one. */
  constructor(private readonly failure: string) {}

  /** Sends what `request(id)` builds and waits for the reply carrying `id`. */
  call(request: (id: number) => M): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      void sendToParent(request(id));
    });
  }

  settle(reply: ParentReply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.error ?? this.failure));
  }
}
