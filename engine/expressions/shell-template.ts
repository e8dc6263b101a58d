/**
 * Rendering of shell command templates (`cmd` of local-shell-cmd / remote-shell-cmd) where some variables carry
 * outside data (chat text, webhook bodies). Every `{{ expr }}` that reads such a variable is quoted for the shell
 * context it sits in: bare (`echo {{ x }}` → one single-quoted word), inside double quotes (`echo "{{ x }}"` →
 * `\ " $` and backticks escaped) or inside single quotes (`'\''`). So `x"; touch /tmp/pwned` stays text, and
 * st2's own `echo "{{message}}"` still prints the message as written.
 */
import { ExpressionError } from './expression-error.ts';
import type { RenderOptions } from './index.ts';
import { renderTemplate } from './jinja/render.ts';
import { pyStr } from './python-values.ts';

type QuoteState = 'bare' | 'double' | 'single';

const TAG = /\{\{([\s\S]*?)\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g;
const QUOTERS: Record<QuoteState, string> = {
  bare: '__squall_shq_bare',
  double: '__squall_shq_double',
  single: '__squall_shq_single',
};

function text(value: unknown, strict: boolean): string {
  if (value === undefined && strict)
    throw new ExpressionError('the value substituted into the shell command is undefined');
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : pyStr(value);
  if (s.includes('\0'))
    throw new ExpressionError('a value containing a NUL byte cannot be passed to a shell');
  return s;
}

function shellQuoters(strict: boolean): Record<string, (value: unknown) => string> {
  return {
    [QUOTERS.bare]: (v) => {
      const s = text(v, strict);
      return s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
    },
    [QUOTERS.double]: (v) => text(v, strict).replace(/[\\"$`]/g, '\\$&'),
    [QUOTERS.single]: (v) => text(v, strict).replaceAll("'", `'\\''`),
  };
}
const LENIENT_QUOTERS = shellQuoters(false);
const STRICT_QUOTERS = shellQuoters(true);

/** Shell quote state after `literal`, starting in `state` (POSIX rules; `$'…'` is not special-cased). */
function advance(state: QuoteState, literal: string): QuoteState {
  let s = state;
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i];
    if (s === 'single') {
      if (c === "'") s = 'bare';
    } else if (c === '\\') {
      i++;
    } else if (s === 'double') {
      if (c === '"') s = 'bare';
    } else if (c === "'") s = 'single';
    else if (c === '"') s = 'double';
  }
  return s;
}

/** Root variable names an expression reads (identifiers not after `.`, outside string literals). */
function rootNames(expression: string): Set<string> {
  const names = new Set<string>();
  const withoutStrings = expression.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, '""');
  for (const m of withoutStrings.matchAll(/(?<![\w.$])([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return names;
}

const rewriteCache = new Map<string, string>();

/** The template with every tainted `{{ expr }}` wrapped in the quoter for its position (cached). */
export function quoteTaintedExpressions(template: string, tainted: ReadonlySet<string>): string {
  const key = `${[...tainted].sort().join(',')}\u0000${template}`;
  const cached = rewriteCache.get(key);
  if (cached !== undefined) return cached;
  let state: QuoteState = 'bare';
  let last = 0;
  let out = '';
  for (const m of template.matchAll(TAG)) {
    const literal = template.slice(last, m.index);
    state = advance(state, literal);
    out += literal;
    const expression = m[1];
    if (expression !== undefined && [...rootNames(expression)].some((n) => tainted.has(n))) {
      out += `{{ ${QUOTERS[state]}((${expression.trim()})) }}`;
    } else out += m[0];
    last = m.index + m[0].length;
  }
  out += template.slice(last);
  if (rewriteCache.size > 5000) rewriteCache.clear();
  rewriteCache.set(key, out);
  return out;
}

/**
 * Renders a shell command template: expressions reading any `tainted` variable are quoted for where they stand.
 * Other expressions (pack-authored values) render as usual.
 */
export function renderShellCommand(
  template: string,
  data: Record<string, unknown>,
  tainted: ReadonlySet<string>,
  options?: RenderOptions,
): string {
  if (!tainted.size) return renderTemplate(template, data, options);
  const quoters = options?.strictUndefined ? STRICT_QUOTERS : LENIENT_QUOTERS;
  return renderTemplate(quoteTaintedExpressions(template, tainted), { ...data, ...quoters }, options);
}
