/**
 * Orquesta expression semantics: a string holds YAQL `<% %>` or Jinja `{{ }}`/`{% %}` (one language per
 * string). A string that is exactly one expression gives its native value; text mixed with expressions is
 * interpolated (Python str() of each value); a string without expressions is returned as is.
 * Jinja runs with StrictUndefined, as Orquesta's does. Results are never evaluated again: data that
 * happens to contain `<% %>` or `{{ }}` stays data.
 */
import { hasJinja, hasYaql } from './detect.ts';
import { ExpressionError } from './expression-error.ts';
import type { ExpressionContext, ExpressionFunction } from './index.ts';
import { withKwargs } from './jinja/environment.ts';
import { renderTemplate, renderValue } from './jinja/render.ts';
import { pyStr } from './python-values.ts';
import { findSegments, YAQL_SEGMENT } from './segments.ts';
import { evaluateYaql } from './yaql/evaluate-yaql.ts';

const wrappedCache = new WeakMap<Record<string, ExpressionFunction>, Record<string, ExpressionFunction>>();

/** The caller's functions, adapted to receive Jinja keyword arguments as the module's kwargs object. */
function jinjaFunctions(
  functions: Record<string, ExpressionFunction> | undefined,
): Record<string, ExpressionFunction> {
  if (!functions) return {};
  let wrapped = wrappedCache.get(functions);
  if (!wrapped) {
    wrapped = {};
    for (const [name, fn] of Object.entries(functions)) wrapped[name] = withKwargs(fn);
    wrappedCache.set(functions, wrapped);
  }
  return wrapped;
}

function evaluateYaqlString(text: string, ctx: ExpressionContext): unknown {
  const segments = findSegments(text, YAQL_SEGMENT);
  const data = ctx.data ?? {};
  if (segments.length === 1 && segments[0].text === text) {
    return evaluateYaql(segments[0].inner, data, ctx.functions);
  }
  let out = '';
  let last = 0;
  for (const s of segments) {
    out += text.slice(last, s.index) + pyStr(evaluateYaql(s.inner, data, ctx.functions));
    last = s.index + s.text.length;
  }
  return out + text.slice(last);
}

function evaluateJinjaString(text: string, ctx: ExpressionContext): unknown {
  const context = { ...(ctx.data ?? {}), ...jinjaFunctions(ctx.functions) };
  if (text.startsWith('{{') && text.endsWith('}}'))
    return renderValue(text, context, { strictUndefined: true });
  return renderTemplate(text, context, { strictUndefined: true });
}

export function evaluate(expression: string, ctx: ExpressionContext): unknown {
  if (typeof expression !== 'string') return expression;
  const yaql = hasYaql(expression);
  const jinja = hasJinja(expression);
  if (yaql && jinja) {
    throw new ExpressionError(
      `an expression string must use one language, but ${JSON.stringify(expression)} mixes YAQL <% %> and Jinja {{ }}`,
      expression,
    );
  }
  if (yaql) return evaluateYaqlString(expression, ctx);
  if (jinja) return evaluateJinjaString(expression, ctx);
  return expression;
}

/** evaluate() on every string value of objects and arrays (keys are left as they are). */
export function evaluateDeep(value: unknown, ctx: ExpressionContext): unknown {
  if (typeof value === 'string') return evaluate(value, ctx);
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, ctx));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluateDeep(v, ctx);
    return out;
  }
  return value;
}
