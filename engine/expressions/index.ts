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

// Beyond the original contract (additive): DECRYPT_KV_CONTEXT_KEY, NONE_MAGIC_VALUE, PYYAML_OPTIONS,
// isKeywordArgs/makeKwargs (keyword arguments reach ExpressionContext.functions as one trailing marked
// object), pyRepr/pyStr/truthy (Python value semantics), parsePythonLiteral (ast.literal_eval).
export { hasJinja, hasYaql, isExpression } from './detect.ts';
export { evaluate, evaluateDeep } from './evaluate.ts';
export { ExpressionError } from './expression-error.ts';
export { DECRYPT_KV_CONTEXT_KEY, NONE_MAGIC_VALUE, PYYAML_OPTIONS, st2Functions } from './functions/index.ts';
export { extractContextReferences, inspectExpression } from './inspect.ts';
export { renderDeep, renderTemplate, renderValue } from './jinja/render.ts';
export { isKeywordArgs, makeKwargs } from './kwargs.ts';
export { parsePythonLiteral } from './python-literal.ts';
export { compilePythonRegex, translatePythonRegex } from './python-regex.ts';
export { isPlainObject, pyRepr, pyStr, pyTypeName, truthy } from './python-values.ts';
export { shellQuote, shellQuoteLeaves } from './shell-quote.ts';
export { quoteTaintedExpressions, renderShellCommand } from './shell-template.ts';
