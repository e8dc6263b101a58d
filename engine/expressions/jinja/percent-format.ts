/** Python's `'%s: %d' % (a, b)` string formatting (the common conversions), used by Jinja's `%` and `format`. */
import { isPlainObject, pyRepr, pyStr } from '../python-values.ts';

export function pyPercentFormat(template: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  const named = isPlainObject(args) ? args : undefined;
  let i = 0;
  return template.replace(
    /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdirfFeExXoc%])/g,
    (
      _m,
      key: string | undefined,
      flags: string,
      width: string | undefined,
      precision: string | undefined,
      conv: string,
    ) => {
      if (conv === '%') return '%';
      const value = key !== undefined && named ? named[key] : list[i++];
      let out: string;
      switch (conv) {
        case 's':
          out = pyStr(value);
          break;
        case 'r':
          out = pyRepr(value);
          break;
        case 'd':
        case 'i':
          out = String(Math.trunc(Number(value)));
          break;
        case 'f':
        case 'F':
          out = Number(value).toFixed(precision === undefined ? 6 : Number(precision));
          break;
        case 'e':
        case 'E':
          out = Number(value).toExponential(precision === undefined ? 6 : Number(precision));
          if (conv === 'E') out = out.toUpperCase();
          break;
        case 'x':
          out = Math.trunc(Number(value)).toString(16);
          break;
        case 'X':
          out = Math.trunc(Number(value)).toString(16).toUpperCase();
          break;
        case 'o':
          out = Math.trunc(Number(value)).toString(8);
          break;
        default:
          out = typeof value === 'number' ? String.fromCharCode(value) : pyStr(value);
      }
      if (flags.includes('+') && /^[0-9]/.test(out) && conv !== 's') out = `+${out}`;
      const w = width && width !== '*' ? Number(width) : 0;
      if (out.length < w) {
        if (flags.includes('-')) out = out.padEnd(w);
        else if (flags.includes('0') && conv !== 's') out = out.padStart(w, '0');
        else out = out.padStart(w);
      }
      return out;
    },
  );
}
