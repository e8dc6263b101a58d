import { randomBytes } from 'node:crypto';

const PROCESS_RANDOM = randomBytes(5);
let counter = randomBytes(3).readUIntBE(0, 3);

/**
 * A MongoDB-style ObjectId (24 hex chars: 4-byte seconds, 5 random bytes per process, 3-byte counter), the id
 * shape st2 uses for executions and trigger instances. Ids grow with time, so B-tree inserts append instead of
 * landing on random pages (a random UUID key makes every insert dirty a random page and slows as tables grow).
 */
export function newObjectId(date: Date = new Date()): string {
  const buf = Buffer.allocUnsafe(12);
  buf.writeUInt32BE(Math.floor(date.getTime() / 1000) >>> 0, 0);
  PROCESS_RANDOM.copy(buf, 4);
  counter = (counter + 1) & 0xffffff;
  buf.writeUIntBE(counter, 9, 3);
  return buf.toString('hex');
}
