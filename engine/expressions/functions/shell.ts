/** shell_quote (Squall addition): one POSIX shell word; lists become space-separated quoted words. */
import type { ExpressionFunction } from '../index.ts';
import { positionalOnly } from '../kwargs.ts';
import { pyStr } from '../python-values.ts';
import { shellQuote } from '../shell-quote.ts';

export const shellFunctions: Record<string, ExpressionFunction> = {
  shell_quote: (...args) => {
    const [value] = positionalOnly(args);
    if (Array.isArray(value)) return value.map((v) => shellQuote(pyStr(v))).join(' ');
    return shellQuote(value === null || value === undefined ? '' : pyStr(value));
  },
};
