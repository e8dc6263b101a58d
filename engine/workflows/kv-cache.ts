/**
 * st2kv() for a workflow's steps. Expressions are synchronous and the datastore is not: a key not loaded yet is
 * recorded as missing (the evaluation fails), the runner fetches the missing keys and redoes the step. Keys a
 * workflow has read are fetched again before each of its steps (`refresh`), so a step sees current values
 * without a redo.
 */
import { ExpressionError } from '../expressions/index.ts';
import type { RunnerServices } from '../runners/runner.ts';

type Datastore = NonNullable<RunnerServices['datastore']>;

interface KvKey {
  scope: 'system' | 'user';
  name: string;
  decrypt: boolean;
}

const KWARGS = Symbol.for('squall.expressions.kwargs');

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function kvArgs(args: unknown[]): { key: unknown; decrypt: unknown; default: unknown; hasDefault: boolean } {
  let positional = args;
  let kwargs: Record<string, unknown> = {};
  const last = args[args.length - 1];
  if (
    isRecord(last) &&
    ((last as Record<symbol, unknown>)[KWARGS] === true || Object.hasOwn(last, '__keywords'))
  ) {
    positional = args.slice(0, -1);
    kwargs = last;
  }
  const hasDefault = Object.hasOwn(kwargs, 'default') || positional.length > 2;
  return {
    key: positional[0] ?? kwargs.key,
    decrypt: positional[1] ?? kwargs.decrypt ?? false,
    default: Object.hasOwn(kwargs, 'default') ? kwargs.default : positional[2],
    hasDefault,
  };
}

export class KvCache {
  readonly missing = new Map<string, KvKey>();
  readonly #keys = new Map<string, KvKey>();
  readonly #values = new Map<string, { found: boolean; value: unknown }>();
  readonly #datastore: Datastore | undefined;

  constructor(datastore: Datastore | undefined) {
    this.#datastore = datastore;
  }

  readonly st2kv = (...args: unknown[]): unknown => {
    const { key, decrypt, default: fallback, hasDefault } = kvArgs(args);
    if (typeof key !== 'string' || key === '') throw new ExpressionError('st2kv: a key name is required');
    const system = key.startsWith('system.');
    const name = system ? key.slice('system.'.length) : key;
    const scope = system ? 'system' : 'user';
    const cacheKey = `${scope}\u0000${name}\u0000${decrypt ? 1 : 0}`;
    const hit = this.#values.get(cacheKey);
    if (!hit) {
      if (!this.#datastore) throw new ExpressionError('st2kv: the datastore is not available');
      this.missing.set(cacheKey, { scope, name, decrypt: Boolean(decrypt) });
      throw new ExpressionError(`st2kv: the value of "${key}" is being loaded`);
    }
    if (!hit.found) {
      if (hasDefault) return fallback;
      throw new ExpressionError(`The key "${key}" does not exist in the StackStorm datastore.`);
    }
    return hit.value;
  };

  /** Loads the missing keys; false when nothing could be loaded (no datastore). */
  async fetchMissing(): Promise<boolean> {
    if (!this.#datastore || this.missing.size === 0) return false;
    for (const [cacheKey, k] of this.missing) {
      await this.#fetch(cacheKey, k);
      this.#keys.set(cacheKey, k);
    }
    this.missing.clear();
    return true;
  }

  /** Fetches again every key read so far (before a step: values may have changed since the last one). */
  async refresh(): Promise<void> {
    for (const [cacheKey, k] of this.#keys) await this.#fetch(cacheKey, k);
  }

  async #fetch(cacheKey: string, k: KvKey): Promise<void> {
    const value = await this.#datastore?.get(k.name, { scope: k.scope, decrypt: k.decrypt });
    this.#values.set(cacheKey, { found: value !== undefined && value !== null, value: value ?? null });
  }
}
