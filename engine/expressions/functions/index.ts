/** st2's expression functions, available as Jinja filters and globals and as YAQL functions. */
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { cryptoFunctions } from './crypto.ts';
import { dataFunctions } from './data.ts';
import { pathFunctions } from './path.ts';
import { regexFunctions } from './regex.ts';
import { shellFunctions } from './shell.ts';
import { timeFunctions } from './time.ts';
import { versionFunctions } from './version.ts';

export { DECRYPT_KV_CONTEXT_KEY } from './crypto.ts';
export { NONE_MAGIC_VALUE } from './data.ts';
export { PYYAML_OPTIONS } from './pyyaml.ts';

export const st2Functions: Record<string, ExpressionFunction> = Object.freeze({
  ...dataFunctions,
  ...regexFunctions,
  ...pathFunctions,
  ...timeFunctions,
  ...versionFunctions,
  ...cryptoFunctions,
  ...shellFunctions,
});

/**
 * st2Functions as the template languages call them: their ExpressionErrors become plain errors so the
 * renderer reports them with the template text (only callers' own ExpressionErrors pass through as is).
 */
export const internalSt2Functions: Record<string, ExpressionFunction> = Object.freeze(
  Object.fromEntries(
    Object.entries(st2Functions).map(([name, fn]) => [
      name,
      function (this: unknown, ...args: unknown[]) {
        try {
          return fn.apply(this, args);
        } catch (err) {
          if (err instanceof ExpressionError && err.language === undefined) throw new Error(err.message);
          throw err;
        }
      },
    ]),
  ),
);
