/** Messages between the sensor host (parent) and one sensor process (sensor-child.ts). */

export type SensorLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface SensorStartMessage {
  type: 'start';
  entry: string;
  className: string;
  sensor: { ref: string; pack: string; name: string };
  config: Record<string, unknown>;
  /** Seconds between poll() calls (poll sensors). */
  pollInterval: number;
  setupTimeoutMs: number;
  pollTimeoutMs: number;
  cleanupTimeoutMs: number;
  heartbeatMs: number;
}

export type DatastoreOp = 'get' | 'set' | 'delete' | 'list';

export type HostMessage =
  | SensorStartMessage
  | { type: 'stop' }
  | { type: 'datastore_result'; id: number; ok: boolean; value?: unknown; error?: string };

export type SensorMessage =
  | { type: 'booted' }
  | { type: 'heartbeat' }
  | { type: 'running' }
  | { type: 'poll_ok' }
  | { type: 'dispatch'; trigger: string; payload: Record<string, unknown> }
  | { type: 'log'; level: SensorLogLevel; msg: string; fields?: Record<string, unknown> }
  | {
      type: 'datastore';
      id: number;
      op: DatastoreOp;
      key?: string;
      value?: unknown;
      options?: { local?: boolean; decrypt?: boolean; encrypt?: boolean; ttl?: number; prefix?: string };
    }
  | { type: 'failed'; phase: string; error: string; stack?: string };
