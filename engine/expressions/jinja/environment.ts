/**
 * The one nunjucks Environment: autoescape off, st2's trim_blocks/lstrip_blocks, Jinja-compatible filters,
 * st2 functions as filters and globals. Templates are compiled with PyCompiler and run on the sandboxed
 * runtime; compiled templates are cached by source text.
 */
import nunjucks from 'nunjucks';
import { internalSt2Functions } from '../functions/index.ts';
import { isKeywordArgs, makeKwargs } from '../kwargs.ts';
import { isPlainObject, pyEquals, pyIn, truthy } from '../python-values.ts';
import { extraFilters, jinjaFilters } from './filters.ts';
import { type NjNode, njTransformer } from './nunjucks-internals.ts';
import { PyCompiler, validateAst } from './py-compiler.ts';
import { parseWithSlices } from './py-parser.ts';
import { safeRuntime } from './safe-runtime.ts';
import { fixStringEscapes } from './string-escapes.ts';

export const env = new nunjucks.Environment([], {
  autoescape: false,
  trimBlocks: true,
  lstripBlocks: true,
  throwOnUndefined: false,
});

/** Turns nunjucks' `{..., __keywords: true}` into the module's keyword-arguments object. */
export function withKwargs<T extends (...args: unknown[]) => unknown>(fn: T): T {
  return function (this: unknown, ...args: unknown[]) {
    const last = args[args.length - 1];
    if (isKeywordArgs(last)) args[args.length - 1] = makeKwargs(last);
    return fn.apply(this, args);
  } as T;
}

for (const [name, filter] of Object.entries(jinjaFilters)) env.addFilter(name, filter);
for (const [name, fn] of Object.entries(internalSt2Functions)) {
  const wrapped = withKwargs(fn);
  env.addFilter(name, wrapped);
  env.addGlobal(name, wrapped);
  extraFilters.set(name, wrapped);
}
const RANGE_LIMIT = 1_000_000;
/** Python range() with a size cap: a template must not be able to allocate unbounded memory. */
env.addGlobal('range', (start: number, stop?: number, step = 1) => {
  const [a, b] = stop === undefined ? [0, Number(start)] : [Number(start), Number(stop)];
  if (!Number.isInteger(a) || !Number.isInteger(b) || !Number.isInteger(step) || step === 0) {
    throw new Error('range() arguments must be integers and the step must not be zero');
  }
  if (Math.ceil((b - a) / step) > RANGE_LIMIT) throw new Error(`range() is limited to ${RANGE_LIMIT} items`);
  const out: number[] = [];
  for (let i = a; step > 0 ? i < b : i > b; i += step) out.push(i);
  return out;
});
env.addGlobal(
  'dict',
  withKwargs((...args: unknown[]) => {
    const last = args[args.length - 1];
    return isKeywordArgs(last) ? { ...last } : {};
  }),
);
/** Jinja tests nunjucks lacks or defines differently (st2 adds `in`). */
const tests: Record<string, (value: unknown, arg?: unknown) => boolean> = {
  in: (item, container) => {
    try {
      return pyIn(item, container);
    } catch {
      return false;
    }
  },
  none: (v) => v === null,
  null: (v) => v === null,
  true: (v) => v === true,
  false: (v) => v === false,
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  mapping: (v) => isPlainObject(v),
  equalto: (v, other) => pyEquals(v, other),
  eq: (v, other) => pyEquals(v, other),
  sameas: (v, other) => v === other,
  ne: (v, other) => !pyEquals(v, other),
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
};
const testEnv = env as unknown as {
  addTest(name: string, fn: (value: unknown, arg?: unknown) => boolean): void;
};
for (const [name, test] of Object.entries(tests)) testEnv.addTest(name, test);

// Filter and test names are looked up as own properties only: `x|constructor` or `x is __proto__` must not
// reach Object.prototype (nunjucks indexes plain objects).
const registry = env as unknown as {
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  getFilter(name: string): unknown;
  getTest(name: string): unknown;
};
registry.getFilter = (name: string) => {
  if (!Object.hasOwn(registry.filters, name)) throw new Error(`filter not found: ${name}`);
  return registry.filters[name];
};
registry.getTest = (name: string) => {
  if (!Object.hasOwn(registry.tests, name)) throw new Error(`test not found: ${name}`);
  return registry.tests[name];
};

/**
 * Jinja whitespace control nunjucks lacks: `{%+` keeps the indentation lstrip_blocks would remove and `+%}`
 * keeps the newline trim_blocks would remove. The kept whitespace is turned into an output expression
 * (`{{ "    " }}`), which neither option touches, and the `+` is dropped.
 */
function preprocess(source: string): string {
  if (source.includes('{#')) source = trimComments(source);
  if (!source.includes('{%+') && !source.includes('+%}')) return source;
  return source
    .replace(/(^|\n)([ \t]+)\{%\+/g, (_m, nl: string, ws: string) => `${nl}{{ ${JSON.stringify(ws)} }}{%`)
    .replace(/\{%\+/g, '{%')
    .replace(/\+%\}(\r?\n)?/g, (_m, nl: string | undefined) => (nl ? `%}{{ ${JSON.stringify(nl)} }}` : '%}'));
}

/** Jinja applies lstrip_blocks and trim_blocks to `{# comments #}` as well; nunjucks does not. */
function trimComments(source: string): string {
  return source.replace(/(^|\n)[ \t]*(\{#[\s\S]*?#\})/g, '$1$2').replace(/(\{#[\s\S]*?[^-]#\})\r?\n/g, '$1');
}

type RootFn = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => void;

/** Parses template source (after the `{%+` pre-pass) into nunjucks' AST. Throws nunjucks errors. */
export function parseTemplate(source: string): NjNode {
  const opts = (env as unknown as { opts: Record<string, unknown> }).opts;
  return parseWithSlices(fixStringEscapes(preprocess(source)), opts);
}

/** Compiles a parsed template; `valueMode` makes rendering return the single expression's native value. */
export function compileTemplate(ast: NjNode, strict: boolean, valueMode = false): nunjucks.Template {
  validateAst(ast);
  const compiler = new PyCompiler('template', strict, valueMode);
  compiler.compile(njTransformer.transform(ast, []), undefined);
  const props = new Function(compiler.getCode())() as Record<string, RootFn>;
  for (const [key, fn] of Object.entries(props)) {
    if (typeof fn === 'function') {
      props[key] = (e, context, frame, _runtime, cb) => fn(e, context, frame, safeRuntime, cb);
    }
  }
  return new nunjucks.Template({ type: 'code', obj: props } as unknown as string, env, 'template', true);
}
