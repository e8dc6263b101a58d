/** st2 regex functions (st2common/expressions/functions/regex.py), with Python `re` patterns. */
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { bindArgs } from '../kwargs.ts';
import { compilePythonRegex } from '../python-regex.ts';
import { pyStr } from '../python-values.ts';

function subject(value: unknown): string {
  return typeof value === 'string' ? value : pyStr(value);
}

function regexFor(pattern: unknown, ignorecase: unknown, flags: string): RegExp {
  const p = String(pattern);
  const re = compilePythonRegex(truthyFlag(ignorecase) ? `(?i)${p}` : p, flags);
  return new RegExp(re.source, re.flags); // a private copy: lastIndex is per call
}

function truthyFlag(v: unknown): boolean {
  return v === true || v === 1 || v === 'true' || v === 'True';
}

/** Python re.sub replacement syntax (`\1`, `\g<1>`, `\g<name>`, `\n`) → a function for String.replace. */
function pyReplacement(template: string): (...m: unknown[]) => string {
  return (...m: unknown[]) => {
    const last = m[m.length - 1];
    const groups = (typeof last === 'object' && last !== null ? last : {}) as Record<
      string,
      string | undefined
    >;
    const numbered = m.slice(
      0,
      m.findIndex((x) => typeof x === 'number'),
    ) as Array<string | undefined>;
    return template.replace(
      /\\(?:g<([^>]+)>|(\d{1,2})|(.))/g,
      (_t, g: string | undefined, d: string | undefined, esc: string | undefined) => {
        if (g !== undefined) {
          if (/^\d+$/.test(g)) return numbered[Number(g)] ?? '';
          if (!Object.hasOwn(groups, g))
            throw new ExpressionError(`regex_replace: unknown group name '${g}'`);
          return groups[g] ?? '';
        }
        if (d !== undefined) return numbered[Number(d)] ?? '';
        const escapes: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          f: '\f',
          v: '\v',
          a: '\x07',
        };
        if (esc !== undefined && Object.hasOwn(escapes, esc)) return escapes[esc];
        if (esc !== undefined && /[A-Za-z]/.test(esc))
          throw new ExpressionError(`regex_replace: bad escape \\${esc}`);
        return `\\${esc}`;
      },
    );
  };
}

export const regexFunctions: Record<string, ExpressionFunction> = {
  // re.match: anchored at the start only.
  regex_match: (...args) => {
    const a = bindArgs('regex_match', ['value', 'pattern', 'ignorecase'], args, { ignorecase: false });
    return regexFor(a.pattern, a.ignorecase, 'y').test(subject(a.value));
  },
  regex_search: (...args) => {
    const a = bindArgs('regex_search', ['value', 'pattern', 'ignorecase'], args, { ignorecase: false });
    return regexFor(a.pattern, a.ignorecase, '').test(subject(a.value));
  },
  regex_replace: (...args) => {
    const a = bindArgs('regex_replace', ['value', 'pattern', 'replacement', 'ignorecase'], args, {
      ignorecase: false,
    });
    const re = regexFor(a.pattern, a.ignorecase, 'g');
    return subject(a.value).replace(re, pyReplacement(String(a.replacement)));
  },
  // re.findall(pattern, value)[result_index]: whole matches, or group 1, or a list of groups.
  regex_substring: (...args) => {
    const a = bindArgs('regex_substring', ['value', 'pattern', 'result_index', 'ignorecase'], args, {
      result_index: 0,
      ignorecase: false,
    });
    const re = regexFor(a.pattern, a.ignorecase, 'g');
    const found = [...subject(a.value).matchAll(re)].map((m) =>
      m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? ''),
    );
    let i = Number(a.result_index);
    if (i < 0) i += found.length;
    if (!Number.isInteger(i) || i < 0 || i >= found.length) {
      throw new ExpressionError(
        `regex_substring: list index out of range (pattern ${JSON.stringify(a.pattern)} matched ${found.length} times)`,
      );
    }
    return found[i];
  },
};
