import type { ParameterSchema } from '../../model/index.ts';
import { envSuffix, envValue } from './action-env.ts';

/**
 * How a `local-shell-script` action receives its parameters (st2's conventions, minus secrets in argv):
 *
 * - argv = named parameters first, as `<kwarg_op><name>=<value>` in declaration order, then positional
 *   parameters (those with `position`) in position order. Each is ONE argv element: no shell ever sees them.
 * - named: null/undefined/'' are skipped; `true` → `<kwarg_op><name>`; `false` → skipped; objects/arrays → JSON.
 * - positional, by declared type: boolean → "1"/"0"; array → items joined with ","; object → JSON;
 *   null/undefined → ""; anything else → String(value).
 * - Parameters marked `secret: true` never reach argv (argv is world-readable in /proc/<pid>/cmdline and `ps`).
 *   Their value is in the environment variable `SQUALL_SECRET_<NAME>` (name upper-cased, other characters → `_`).
 *   A positional secret keeps its slot with an empty string so later positions do not shift.
 *   An action may opt a parameter back into argv with `secret_in_argv: true` on that parameter (st2 behaviour,
 *   visible to every local user: only for scripts that cannot be changed).
 */
export const SECRET_ENV_PREFIX = 'SQUALL_SECRET_';

export interface ScriptArgs {
  argv: string[];
  env: Record<string, string>;
}

function serializePositional(type: unknown, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (type === 'boolean') return value ? '1' : '0';
  if (type === 'array' || type === 'list')
    return Array.isArray(value) ? value.map((v) => envValue(v)).join(',') : envValue(value);
  if (type === 'object') return typeof value === 'object' ? JSON.stringify(value) : String(value);
  return envValue(value);
}

function serializeNamed(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export function buildScriptArgs(
  actionParams: Record<string, unknown>,
  schema: ParameterSchema,
  secretNames: ReadonlySet<string>,
  kwargOp: string,
): ScriptArgs {
  const env: Record<string, string> = {};
  const isHiddenSecret = (name: string) =>
    (secretNames.has(name) || schema[name]?.secret === true) && schema[name]?.secret_in_argv !== true;

  const positional = Object.entries(schema)
    // Every declared positional parameter keeps its slot, given or not (st2 passes "" for a missing one).
    .filter(([, spec]) => typeof spec.position === 'number')
    .sort((a, b) => (a[1].position as number) - (b[1].position as number))
    .map(([name]) => name);
  const positionalSet = new Set(positional);

  // Declaration order first, then parameters the schema does not declare.
  const ordered = [
    ...Object.keys(schema),
    ...Object.keys(actionParams).filter((n) => !Object.hasOwn(schema, n)),
  ];
  const named: string[] = [];
  for (const name of ordered) {
    if (!Object.hasOwn(actionParams, name) || positionalSet.has(name)) continue;
    const value = actionParams[name];
    if (isHiddenSecret(name)) {
      if (value !== null && value !== undefined) env[SECRET_ENV_PREFIX + envSuffix(name)] = envValue(value);
      continue;
    }
    if (value === null || value === undefined || value === '' || value === false) continue;
    named.push(value === true ? `${kwargOp}${name}` : `${kwargOp}${name}=${serializeNamed(value)}`);
  }

  const positionalArgv = positional.map((name) => {
    const value = actionParams[name];
    if (isHiddenSecret(name)) {
      if (value !== null && value !== undefined) env[SECRET_ENV_PREFIX + envSuffix(name)] = envValue(value);
      return '';
    }
    return serializePositional(schema[name]?.type, value);
  });

  const argv = [...named, ...positionalArgv];
  for (const arg of argv) {
    if (arg.includes('\0'))
      throw new Error('a script argument contains a NUL byte, which cannot be passed to a process');
  }
  return { argv, env };
}
