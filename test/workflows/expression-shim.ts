/**
 * TEST-ONLY stand-in for engine/expressions while that module is being written: a tiny YAQL subset
 * (enough for the conformance fixtures). Used only when the real module cannot be imported.
 */
type Fn = (...args: unknown[]) => unknown;
interface Ctx {
  data: Record<string, unknown>;
  functions?: Record<string, Fn>;
}

class ShimError extends Error {
  constructor(
    message: string,
    readonly expression?: string,
    readonly language?: 'jinja' | 'yaql',
  ) {
    super(message);
  }
}

const TOKEN =
  /\s*(?:(\d+\.\d+|\d+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_$][\w]*)|(<=|>=|!=|=|<|>|\+|-|\*|\(|\)|\.|,|\[|\]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ShimError(`Parse error at ${src.slice(pos)}`, src, 'yaql');
    out.push(m[0].trim());
    pos = TOKEN.lastIndex;
  }
  return out;
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function evalYaql(src: string, ctx: Ctx): unknown {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const call = (name: string, args: unknown[]): unknown => {
    const fn = ctx.functions?.[name];
    if (fn) return fn(...args);
    if (name === 'list') return args;
    if (name === 'str') return String(args[0]);
    if (name === 'random') return 1234567;
    throw new ShimError(`Unknown function "${name}"`, src, 'yaql');
  };
  const primary = (): unknown => {
    const t = next();
    if (t === undefined) throw new ShimError('Unexpected end', src, 'yaql');
    let v: unknown;
    if (t === '(') {
      v = or();
      next();
    } else if (/^\d/.test(t)) v = Number(t);
    else if (t.startsWith("'") || t.startsWith('"')) v = t.slice(1, -1);
    else if (t === 'true') v = true;
    else if (t === 'false') v = false;
    else if (t === 'null') v = null;
    else if (t === '$') v = ctx.data;
    else if (peek() === '(') {
      next();
      const args: unknown[] = [];
      while (peek() !== ')') {
        const a = peek() as string;
        if (
          /^[A-Za-z_]\w*$/.test(a) &&
          (toks[i + 1] === ')' || toks[i + 1] === ',') &&
          !['true', 'false', 'null'].includes(a)
        ) {
          args.push(a);
          next();
        } else args.push(or());
        if (peek() === ',') next();
      }
      next();
      v = call(t, args);
    } else v = t;
    while (peek() === '.' || peek() === '[') {
      if (next() === '.') {
        const prop = next() as string;
        if (v === null || typeof v !== 'object' || !(prop in (v as object))) {
          throw new ShimError(`Unknown property "${prop}"`, src, 'yaql');
        }
        v = (v as Record<string, unknown>)[prop];
      } else {
        const idx = or();
        next();
        v = (v as Record<string, unknown>)[idx as string];
      }
    }
    return v;
  };
  const additive = (): unknown => {
    let v = primary();
    while (peek() === '+' || peek() === '-') {
      const op = next();
      const r = primary();
      v = op === '+' ? (v as number) + (r as number) : (v as number) - (r as number);
    }
    return v;
  };
  const compare = (): unknown => {
    const v = additive();
    const op = peek();
    if (op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=' || op === 'in') {
      next();
      const r = additive();
      switch (op) {
        case '=':
          return JSON.stringify(v) === JSON.stringify(r);
        case '!=':
          return JSON.stringify(v) !== JSON.stringify(r);
        case '<':
          return (v as number) < (r as number);
        case '>':
          return (v as number) > (r as number);
        case '<=':
          return (v as number) <= (r as number);
        case '>=':
          return (v as number) >= (r as number);
        default:
          return Array.isArray(r) && r.includes(v);
      }
    }
    return v;
  };
  const not = (): unknown => {
    if (peek() === 'not') {
      next();
      return !truthy(not());
    }
    return compare();
  };
  const and = (): unknown => {
    let v = not();
    while (peek() === 'and') {
      next();
      const r = not();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const or = (): unknown => {
    let v = and();
    while (peek() === 'or') {
      next();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const v = or();
  if (i < toks.length) throw new ShimError(`Unexpected token ${toks[i]}`, src, 'yaql');
  return v;
}

const EXPR = /<%([\s\S]*?)%>/g;

export function evaluate(text: string, ctx: Ctx): unknown {
  const whole = /^\s*<%([\s\S]*?)%>\s*$/.exec(text);
  if (whole && !whole[1]?.includes('%>')) return evalYaql(whole[1] as string, ctx);
  return text.replace(EXPR, (_, e: string) => {
    const v = evalYaql(e, ctx);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

export function evaluateDeep(value: unknown, ctx: Ctx): unknown {
  if (typeof value === 'string') return value.includes('<%') ? evaluate(value, ctx) : value;
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateDeep(v, ctx)]));
  }
  return value;
}

export function isExpression(text: unknown): text is string {
  return typeof text === 'string' && (/<%[\s\S]*?%>/.test(text) || /\{\{[\s\S]*?\}\}/.test(text));
}

export function inspectExpression(
  text: string,
): Array<{ message: string; expression: string; type: string }> {
  const out: Array<{ message: string; expression: string; type: string }> = [];
  for (const m of text.matchAll(EXPR)) {
    try {
      if ((m[1] as string).includes('<%')) throw new Error('nested expression');
      tokenize(m[1] as string);
    } catch (e) {
      out.push({ message: (e as Error).message, expression: m[0], type: 'yaql' });
    }
  }
  return out;
}

export function extractContextReferences(
  text: string,
): Array<{ name: string; expression: string; type: string }> {
  const out: Array<{ name: string; expression: string; type: string }> = [];
  for (const m of text.matchAll(EXPR)) {
    for (const r of (m[1] as string).matchAll(/ctx\(\)\.(\w+)|ctx\(\s*['"]?(\w+)['"]?\s*\)/g)) {
      out.push({ name: (r[1] ?? r[2]) as string, expression: m[0], type: 'yaql' });
    }
  }
  return out;
}

export { ShimError as ExpressionError };
