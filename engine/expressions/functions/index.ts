/** st2's expression functions, available as Jinja filters and globals and as YAQL functions. */
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
