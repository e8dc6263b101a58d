/** Evaluates one YAQL expression (without `<% %>`) against data and functions. */
import type { ExpressionFunction } from '../index.ts';
import { Evaluator } from './evaluator.ts';
import { parseYaql } from './parser.ts';

export function evaluateYaql(
  expression: string,
  data: Record<string, unknown>,
  functions: Record<string, ExpressionFunction> = {},
): unknown {
  const ast = parseYaql(expression);
  const ev = new Evaluator(expression.trim());
  try {
    const result = ev.eval(ast, { dollar: data, vars: data, functions });
    return result === undefined ? null : result;
  } catch (err) {
    throw ev.error(err);
  }
}
