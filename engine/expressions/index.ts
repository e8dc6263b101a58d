/**
 * The one expression module: Jinja templates (nunjucks, made Jinja-compatible) and YAQL expressions (Orquesta).
 * Templates and expressions are parsed once and cached by their source text.
 *
 * API CONTRACT (other modules code against these signatures; keep them stable):
 */

/** Functions callable from expressions (YAQL `f(x)`, Jinja `f(x)` globals): Orquesta's ctx(), result(), ... */
export type ExpressionFunction = (...args: unknown[]) => unknown;

export interface ExpressionContext {
  /** Variables: Jinja root names; YAQL `$` root. */
  data: Record<string, unknown>;
  /** Extra functions for this evaluation (Orquesta's ctx/succeeded/result/item/task/st2kv...). */
  functions?: Record<string, ExpressionFunction>;
}

export interface RenderOptions {
  /** Undefined variables throw (st2's alias ack rendering); default: render as empty. */
  strictUndefined?: boolean;
}

export { hasJinja, hasYaql, isExpression } from './detect.ts';
export { evaluate, evaluateDeep } from './evaluate.ts';
export { ExpressionError } from './expression-error.ts';
// Additions beyond the original contract (additive): keyword-argument helpers for functions passed in
// `ExpressionContext.functions`, st2 constants, Python-style value helpers.
export { DECRYPT_KV_CONTEXT_KEY, NONE_MAGIC_VALUE, st2Functions } from './functions/index.ts';
export { extractContextReferences, inspectExpression } from './inspect.ts';
export { renderDeep, renderTemplate, renderValue } from './jinja/render.ts';
export { isKeywordArgs, makeKwargs } from './kwargs.ts';
export { compilePythonRegex, translatePythonRegex } from './python-regex.ts';
export { pyRepr, pyStr, truthy } from './python-values.ts';
export { shellQuote, shellQuoteLeaves } from './shell-quote.ts';
