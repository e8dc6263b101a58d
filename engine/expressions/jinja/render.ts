/**
 * Jinja rendering: renderTemplate (to a string), renderValue (st2's to_complex: one `{{ expr }}` gives the
 * native value), renderDeep (every string value in a structure). Only the template text is ever rendered;
 * values in the context are data and come out literally even if they contain `{{ }}`.
 */
import type nunjucks from 'nunjucks';
import { hasJinja } from '../detect.ts';
import { ExpressionError } from '../expression-error.ts';
import type { RenderOptions } from '../index.ts';
import { compileTemplate, parseTemplate } from './environment.ts';
import { type NjNode, njRuntime } from './nunjucks-internals.ts';
import { externalError } from './safe-runtime.ts';

interface Compiled {
  /** Renders the whole template to a string. */
  text: nunjucks.Template;
  /** For a template that is exactly one `{{ expr }}`: renders to the expression's value. */
  value?: nunjucks.Template;
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, Compiled>();

/** Strips nunjucks' "(unknown path) [Line 1, Column 4]\n  Error: " framing from a message. */
function cleanMessage(err: unknown): string {
  let msg = err instanceof Error ? err.message : String(err);
  let where = '';
  for (;;) {
    const m = /^\((?:unknown path|template)\)(?: \[Line (\d+), Column (\d+)\])?\s*/.exec(msg);
    if (!m) break;
    if (m[1] && !where) where = ` (line ${m[1]}, column ${m[2]})`;
    msg = msg
      .slice(m[0].length)
      .replace(/^(?:Template render error: |(?:Type|Reference|Range|Expression)?Error: )/, '');
  }
  return `${msg.trim()}${where}`;
}

function fail(template: string, err: unknown, phase: 'syntax' | 'render'): never {
  const message = cleanMessage(err);
  const what = phase === 'syntax' ? 'Jinja syntax error' : 'Jinja error';
  const shown = template.length > 200 ? `${template.slice(0, 200)}…` : template;
  throw new ExpressionError(`${what}: ${message} in template ${JSON.stringify(shown)}`, template, 'jinja');
}

/** True if the template is exactly one `{{ expr }}` output (whitespace around it allowed). */
function isSingleExpression(ast: NjNode): boolean {
  let expressions = 0;
  for (const out of ast.children as NjNode[]) {
    if (out.typename !== 'Output') return false;
    for (const child of out.children as NjNode[]) {
      if (child.typename === 'TemplateData') {
        if (String(child.value).trim() !== '') return false;
      } else expressions++;
    }
  }
  return expressions === 1;
}

function compiled(template: string, strict: boolean): Compiled {
  const key = `${strict ? 's' : 'n'}\u0000${template}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  let entry: Compiled;
  try {
    const ast = parseTemplate(template);
    const single = isSingleExpression(ast);
    entry = {
      text: compileTemplate(ast, strict),
      value: single ? compileTemplate(parseTemplate(template), strict, true) : undefined,
    };
  } catch (err) {
    fail(template, err, 'syntax');
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, entry);
  return entry;
}

/** Parses a template (cached) and throws ExpressionError on a syntax error; used by the inspector. */
export function checkTemplate(template: string): void {
  compiled(template, false);
}

function run(template: string, tmpl: nunjucks.Template, context: Record<string, unknown>): unknown {
  const outer = externalError.current;
  externalError.current = undefined;
  try {
    return tmpl.render(context);
  } catch (err) {
    const cause = externalError.current;
    if (cause) throw cause;
    fail(template, err, 'render');
  } finally {
    externalError.current = outer;
  }
}

/** Renders a Jinja template to a string (Python str() of values: `['a']`, `True`, `None`). */
export function renderTemplate(
  template: string,
  context: Record<string, unknown>,
  options: RenderOptions = {},
): string {
  if (!hasJinja(template)) return template;
  return run(template, compiled(template, options.strictUndefined === true).text, context ?? {}) as string;
}

/**
 * st2 `to_complex` semantics: a string that is exactly one `{{ expr }}` gives the expression's native
 * value (list, dict, number, bool, null); other templates render to a string; plain strings are returned as is.
 */
export function renderValue(
  template: string,
  context: Record<string, unknown>,
  options: RenderOptions = {},
): unknown {
  if (typeof template !== 'string' || !hasJinja(template)) return template;
  const c = compiled(template, options.strictUndefined === true);
  if (!c.value) return run(template, c.text, context ?? {});
  const value = run(template, c.value, context ?? {});
  if (value instanceof njRuntime.SafeString) return value.toString();
  return value === undefined ? '' : value;
}

/** renderValue on every string value of objects and arrays (keys are left as they are). */
export function renderDeep(
  value: unknown,
  context: Record<string, unknown>,
  options: RenderOptions = {},
): unknown {
  if (typeof value === 'string') return renderValue(value, context, options);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, context, options));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, context, options);
    return out;
  }
  return value;
}
