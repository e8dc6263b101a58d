/** Static checks for the workflow inspector: syntax errors and the context variables an expression reads. */
import { hasJinja, hasYaql } from './detect.ts';
import { ExpressionError } from './expression-error.ts';
import { checkTemplate } from './jinja/render.ts';
import { findSegments, JINJA_BLOCK_SEGMENT, JINJA_OUTPUT_SEGMENT, YAQL_SEGMENT } from './segments.ts';
import { parseYaql } from './yaql/parser.ts';

export interface ExpressionProblem {
  type: 'yaql' | 'jinja';
  expression: string;
  message: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Syntax errors of every expression in `text` (empty when all parse). */
export function inspectExpression(text: string): ExpressionProblem[] {
  if (typeof text !== 'string') return [];
  const problems: ExpressionProblem[] = [];
  if (hasYaql(text)) {
    for (const s of findSegments(text, YAQL_SEGMENT)) {
      try {
        parseYaql(s.inner);
      } catch (err) {
        problems.push({ type: 'yaql', expression: s.text, message: messageOf(err) });
      }
    }
  }
  if (hasJinja(text)) {
    if (hasYaql(text)) {
      problems.push({
        type: 'jinja',
        expression: text,
        message: 'YAQL <% %> and Jinja {{ }} are mixed in one string',
      });
      return problems;
    }
    try {
      checkTemplate(text);
    } catch (err) {
      const message = err instanceof ExpressionError ? err.message : messageOf(err);
      // Point at the failing `{{ }}` when there is exactly one candidate; otherwise the whole text.
      const outputs = findSegments(text, JINJA_OUTPUT_SEGMENT);
      const blocks = findSegments(text, JINJA_BLOCK_SEGMENT);
      const expression = outputs.length === 1 && blocks.length === 0 ? outputs[0].text : text;
      problems.push({ type: 'jinja', expression, message });
    }
  }
  return problems;
}

const REFERENCE_PATTERNS = [
  /\bctx\(\s*\)\s*\.\s*([A-Za-z_]\w*)/g,
  /\bctx\(\s*\)\s*\[\s*(?:'([^']+)'|"([^"]+)")\s*\]/g,
  /\bctx\(\s*\)\s*\.\s*get\(\s*(?:'([^']+)'|"([^"]+)")/g,
  /\bctx\(\s*([A-Za-z_]\w*)\s*\)/g,
  /\bctx\(\s*'([^']+)'\s*\)/g,
  /\bctx\(\s*"([^"]+)"\s*\)/g,
];

/**
 * Names of context variables read in the expressions of `text`: `ctx().x`, `ctx(x)`, `ctx('x')`, `ctx("x")`,
 * `ctx(x).y` (x), `ctx()['x']`, `ctx().get('x')`, in YAQL and Jinja. In order of first appearance, unique.
 */
export function extractContextReferences(text: string): string[] {
  if (typeof text !== 'string') return [];
  const segments = [
    ...findSegments(text, YAQL_SEGMENT),
    ...findSegments(text, JINJA_OUTPUT_SEGMENT),
    ...findSegments(text, JINJA_BLOCK_SEGMENT),
  ].sort((a, b) => a.index - b.index);
  const found: Array<{ name: string; at: number }> = [];
  for (const s of segments) {
    for (const re of REFERENCE_PATTERNS) {
      for (const m of s.inner.matchAll(re)) {
        const name = m.slice(1).find((g) => g !== undefined);
        if (name) found.push({ name, at: s.index + (m.index ?? 0) });
      }
    }
  }
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.name))];
}
