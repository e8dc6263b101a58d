/**
 * Python methods that Jinja templates call on values (`s.upper()`, `d.items()`, `d.get('k', 1)`), as plain
 * functions of the receiver. Only these are reachable from templates: JavaScript methods and prototypes are not.
 */
import { isPlainObject, pyEquals, pyStr } from './python-values.ts';

type Method = (self: never, ...args: unknown[]) => unknown;

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = typeof chars === 'string' ? chars : ' \t\n\r\f\v';
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a])) a++;
  if (right) while (b > a && set.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    const parts: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (max >= 0 && parts.length === max) {
        parts.push(rest);
        return parts;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return parts;
  }
  const sp = String(sep);
  if (sp === '') throw new Error('empty separator');
  const all = s.split(sp);
  if (max < 0 || all.length <= max + 1) return all;
  return [...all.slice(0, max), all.slice(max).join(sp)];
}

/** Python str.format with `{}`, `{0}`, `{name}` and `{{`/`}}`; format specs are ignored. */
export function pyFormat(template: string, args: unknown[], kwargs: Record<string, unknown> = {}): string {
  let auto = 0;
  return template.replace(
    /\{\{|\}\}|\{([^{}:!]*)(?:![rs])?(?::[^{}]*)?\}/g,
    (m, field: string | undefined) => {
      if (m === '{{') return '{';
      if (m === '}}') return '}';
      const key = field ?? '';
      if (key === '') return pyStr(args[auto++]);
      if (/^\d+$/.test(key)) return pyStr(args[Number(key)]);
      return pyStr(kwargs[key]);
    },
  );
}

export const STRING_METHODS: Record<string, Method> = {
  upper: (s: string) => s.toUpperCase(),
  lower: (s: string) => s.toLowerCase(),
  strip: (s: string, chars?: unknown) => stripChars(s, chars, true, true),
  lstrip: (s: string, chars?: unknown) => stripChars(s, chars, true, false),
  rstrip: (s: string, chars?: unknown) => stripChars(s, chars, false, true),
  split: (s: string, sep?: unknown, maxsplit?: unknown) => pySplit(s, sep, maxsplit),
  splitlines: (s: string) =>
    s.split(/\r\n|\r|\n/).filter((line, i, all) => i < all.length - 1 || line !== ''),
  startswith: (s: string, prefix: unknown) =>
    Array.isArray(prefix) ? prefix.some((p) => s.startsWith(String(p))) : s.startsWith(String(prefix)),
  endswith: (s: string, suffix: unknown) =>
    Array.isArray(suffix) ? suffix.some((p) => s.endsWith(String(p))) : s.endsWith(String(suffix)),
  replace: (s: string, old: unknown, repl: unknown, count?: unknown) => {
    const o = String(old);
    const r = String(repl);
    if (typeof count !== 'number' || count < 0) return s.split(o).join(r);
    const parts = s.split(o);
    return (
      parts.slice(0, count + 1).join(r) + (parts.length > count + 1 ? o + parts.slice(count + 1).join(o) : '')
    );
  },
  find: (s: string, sub: unknown) => s.indexOf(String(sub)),
  count: (s: string, sub: unknown) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  join: (s: string, items: unknown) => (Array.isArray(items) ? items.map(pyStr).join(s) : ''),
  format: (s: string, ...args: unknown[]) => {
    const last = args[args.length - 1];
    const kwargs =
      isPlainObject(last) && Object.hasOwn(last, '__keywords') ? (args.pop() as Record<string, unknown>) : {};
    return pyFormat(s, args, kwargs);
  },
  title: (s: string) =>
    s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  capitalize: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  isdigit: (s: string) => /^\d+$/.test(s),
  isalpha: (s: string) => /^[A-Za-z]+$/.test(s),
  isalnum: (s: string) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s: string) => /^\s+$/.test(s),
  islower: (s: string) => /[a-z]/.test(s) && s === s.toLowerCase(),
  isupper: (s: string) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  zfill: (s: string, width: unknown) => {
    const w = Number(width);
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    const body = sign ? s.slice(1) : s;
    return sign + body.padStart(w - sign.length, '0');
  },
};

export const DICT_METHODS: Record<string, Method> = {
  items: (d: Record<string, unknown>) => Object.entries(d),
  keys: (d: Record<string, unknown>) => Object.keys(d),
  values: (d: Record<string, unknown>) => Object.values(d),
  get: (d: Record<string, unknown>, key: unknown, fallback: unknown = null) =>
    typeof key === 'string' && Object.hasOwn(d, key) ? d[key] : fallback,
  copy: (d: Record<string, unknown>) => ({ ...d }),
};

export const LIST_METHODS: Record<string, Method> = {
  index: (l: unknown[], item: unknown) => {
    const i = l.findIndex((v) => pyEquals(v, item));
    if (i < 0) throw new Error(`${pyStr(item)} is not in list`);
    return i;
  },
  count: (l: unknown[], item: unknown) => l.filter((v) => pyEquals(v, item)).length,
};
