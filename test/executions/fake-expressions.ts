/**
 * A tiny Jinja stand-in for these tests (`{{ a.b }}`, `{{ a | filter }}` ignoring filters, `{{ boom() }}` throws),
 * so the execution tests do not depend on the full expression module. A template that is one `{{ }}` returns the
 * native value, like st2's rendering of a whole-value expression.
 */
export { shellQuote, shellQuoteLeaves } from '../../engine/expressions/shell-quote.ts';

function lookup(path: string, data: Record<string, unknown>): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function evalExpr(expr: string, data: Record<string, unknown>): unknown {
  const head = expr.split('|')[0]!.trim();
  if (head.endsWith('()')) throw new Error(`${head} is not defined`);
  if (/^-?\d+$/.test(head)) return Number(head);
  return lookup(head, data);
}

export function renderValue(template: string, ctx: { data: Record<string, unknown> }): unknown {
  const whole = /^\{\{([^}]*)\}\}$/.exec(template.trim());
  if (whole) return evalExpr(whole[1]!, ctx.data);
  return template.replace(/\{\{([^}]*)\}\}/g, (_m, expr: string) => {
    const v = evalExpr(expr, ctx.data);
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}
