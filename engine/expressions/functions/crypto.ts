/**
 * decrypt_kv: decrypts an encrypted datastore value. The datastore lives outside this module, so the
 * rendering context supplies `__decrypt_kv(value)`; without it there is nothing to decrypt with.
 */
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { positionalOnly } from '../kwargs.ts';

/** The context key under which callers provide the decryption function. */
export const DECRYPT_KV_CONTEXT_KEY = '__decrypt_kv';

interface NunjucksContextLike {
  ctx?: Record<string, unknown>;
}

export function decryptKv(this: unknown, ...args: unknown[]): unknown {
  const [value] = positionalOnly(args);
  const self = this as NunjucksContextLike | Record<string, unknown> | undefined;
  const vars = (self && 'ctx' in self && self.ctx && typeof self.ctx === 'object' ? self.ctx : self) as
    | Record<string, unknown>
    | undefined;
  const fn = vars && Object.hasOwn(vars, DECRYPT_KV_CONTEXT_KEY) ? vars[DECRYPT_KV_CONTEXT_KEY] : undefined;
  if (typeof fn !== 'function') throw new ExpressionError('decrypt_kv: no datastore key is available here');
  return fn(value);
}

export const cryptoFunctions: Record<string, ExpressionFunction> = {
  decrypt_kv: decryptKv,
};
