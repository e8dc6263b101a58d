/**
 * Keyword arguments (`f(a, decrypt => true)` in YAQL, `f(a, decrypt=true)` in Jinja) reach functions as one
 * trailing plain object, marked so a dict passed positionally is never mistaken for options.
 */
const KWARGS = Symbol.for('squall.expressions.kwargs');

export type Kwargs = Record<string, unknown>;

/** Marks `options` as keyword arguments (non-enumerable marker; the object stays a plain object). */
export function makeKwargs(options: Record<string, unknown>): Kwargs {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (k !== '__keywords') out[k] = v;
  Object.defineProperty(out, KWARGS, { value: true, enumerable: false });
  return out;
}

/** True for a keyword-arguments object from YAQL (`=>`) or Jinja (`name=value`, nunjucks' `__keywords`). */
export function isKeywordArgs(value: unknown): value is Kwargs {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return (value as Record<symbol, unknown>)[KWARGS] === true || Object.hasOwn(value, '__keywords');
}

/**
 * Splits a call's arguments into positional values and keyword arguments, and maps them onto the
 * parameter names Python would (`f(value, pattern, ignorecase=False)`).
 */
export function bindArgs(
  fn: string,
  names: string[],
  args: unknown[],
  defaults: Record<string, unknown> = {},
): Record<string, unknown> {
  let positional = args;
  let kwargs: Kwargs = {};
  const last = args[args.length - 1];
  if (isKeywordArgs(last)) {
    positional = args.slice(0, -1);
    kwargs = makeKwargs(last);
  }
  if (positional.length > names.length) {
    throw new Error(`${fn}() takes at most ${names.length} arguments (${positional.length} given)`);
  }
  const bound: Record<string, unknown> = { ...defaults };
  positional.forEach((v, i) => {
    bound[names[i]] = v;
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!names.includes(k)) throw new Error(`${fn}() got an unexpected keyword argument '${k}'`);
    bound[k] = v;
  }
  for (const n of names) {
    if (!Object.hasOwn(bound, n)) throw new Error(`${fn}() missing required argument '${n}'`);
  }
  return bound;
}

/** Drops a trailing keyword-arguments object (for functions that take none). */
export function positionalOnly(args: unknown[]): unknown[] {
  return isKeywordArgs(args[args.length - 1]) ? args.slice(0, -1) : args;
}
