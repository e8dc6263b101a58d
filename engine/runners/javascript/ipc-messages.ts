/** Messages between the javascript runner (parent) and its action process (js-child.ts). */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunMessage {
  type: 'run';
  entry: string;
  parameters: Record<string, unknown>;
  config: Record<string, unknown>;
  executionId: string;
  action: { ref: string; pack: string };
}

export interface DatastoreReply {
  type: 'datastore_result';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export type ParentMessage = RunMessage | DatastoreReply;

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'log'; level: LogLevel; msg: string; fields?: Record<string, unknown> }
  | {
      type: 'datastore';
      id: number;
      op: 'get' | 'set';
      key: string;
      value?: unknown;
      options?: Record<string, unknown>;
    }
  | { type: 'result'; ok: true; result: unknown }
  | { type: 'result'; ok: false; error: string; traceback?: string };
