/**
 * A JSONPath evaluator covering what st2 content passes to jsonpath_query (jsonpath-rw syntax):
 * `$`, `.key`, `['key']`, `[n]`, `[*]`, `.*`, `..key`, `[a,b]`, `[start:end]`.
 */
import { isPlainObject } from '../python-values.ts';

type Step =
  | { kind: 'key'; name: string }
  | { kind: 'index'; indexes: number[] }
  | { kind: 'keys'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'descend'; step: Step };

function parse(query: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const q = query.trim();
  if (q[0] === '$') i = 1;
  const ident = () => {
    const quoted = /^(['"])(.*?)\1/.exec(q.slice(i));
    if (quoted) {
      i += quoted[0].length;
      return quoted[2];
    }
    const m = /^[^.[\]\s]+/.exec(q.slice(i));
    if (!m) throw new Error(`invalid JSONPath ${JSON.stringify(query)} at position ${i}`);
    i += m[0].length;
    return m[0];
  };
  const bracket = (): Step => {
    const end = q.indexOf(']', i);
    if (end < 0) throw new Error(`invalid JSONPath ${JSON.stringify(query)}: missing ]`);
    const body = q.slice(i + 1, end).trim();
    i = end + 1;
    if (body === '*') return { kind: 'wildcard' };
    const slice = /^(-?\d*)\s*:\s*(-?\d*)$/.exec(body);
    if (slice) {
      return {
        kind: 'slice',
        start: slice[1] ? Number(slice[1]) : undefined,
        end: slice[2] ? Number(slice[2]) : undefined,
      };
    }
    const parts = body.split(',').map((p) => p.trim());
    if (parts.every((p) => /^-?\d+$/.test(p))) return { kind: 'index', indexes: parts.map(Number) };
    return { kind: 'keys', names: parts.map((p) => p.replace(/^(['"])(.*)\1$/, '$2')) };
  };
  if (i === 0 && q.length > 0 && q[0] !== '.' && q[0] !== '[') steps.push({ kind: 'key', name: ident() });
  while (i < q.length) {
    if (q.startsWith('..', i)) {
      i += 2;
      if (q[i] === '[') steps.push({ kind: 'descend', step: bracket() });
      else if (q[i] === '*') {
        i++;
        steps.push({ kind: 'descend', step: { kind: 'wildcard' } });
      } else steps.push({ kind: 'descend', step: { kind: 'key', name: ident() } });
    } else if (q[i] === '.') {
      i++;
      if (q[i] === '*') {
        i++;
        steps.push({ kind: 'wildcard' });
      } else if (q[i] === '[') steps.push(bracket());
      else steps.push({ kind: 'key', name: ident() });
    } else if (q[i] === '[') steps.push(bracket());
    else throw new Error(`invalid JSONPath ${JSON.stringify(query)} at position ${i}`);
  }
  return steps;
}

function apply(step: Step, value: unknown): unknown[] {
  switch (step.kind) {
    case 'key':
      return isPlainObject(value) && Object.hasOwn(value, step.name) ? [value[step.name]] : [];
    case 'keys':
      return isPlainObject(value)
        ? step.names.filter((n) => Object.hasOwn(value, n)).map((n) => value[n])
        : [];
    case 'index':
      if (!Array.isArray(value)) return [];
      return step.indexes
        .map((n) => (n < 0 ? value.length + n : n))
        .filter((n) => n >= 0 && n < value.length)
        .map((n) => value[n]);
    case 'wildcard':
      if (Array.isArray(value)) return value;
      return isPlainObject(value) ? Object.values(value) : [];
    case 'slice':
      return Array.isArray(value) ? value.slice(step.start, step.end) : [];
    case 'descend': {
      const out: unknown[] = [];
      const walk = (v: unknown) => {
        out.push(...apply(step.step, v));
        if (Array.isArray(v)) v.forEach(walk);
        else if (isPlainObject(v)) Object.values(v).forEach(walk);
      };
      walk(value);
      return out;
    }
  }
}

/** All values the query selects, in document order. */
export function jsonPathFind(value: unknown, query: string): unknown[] {
  let current = [value];
  for (const step of parse(query)) current = current.flatMap((v) => apply(step, v));
  return current;
}
