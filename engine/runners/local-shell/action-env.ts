import type { RunnerContext } from '../runner.ts';

/**
 * Variables of Squall's own environment that actions inherit. st2 copies its whole environment into every
 * action; Squall does not, so its own secrets (chat tokens, database URLs) never reach action processes.
 */
export const INHERITED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TERM',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
];

export interface ActionEnvOptions {
  /** st2's ST2_ACTION_API_URL (config http.publicUrl + /api/v1). */
  apiUrl?: string;
  /** A short-lived token for ST2_ACTION_AUTH_TOKEN; absent means the variable is not set (never a real user token). */
  authToken?: (ctx: RunnerContext) => string | undefined | Promise<string | undefined>;
  /** Replaces INHERITED_ENV. */
  inheritEnv?: readonly string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Converts a parameter name to the suffix of an environment variable: `api-key` → `API_KEY`. */
export function envSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function envValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The environment of an action process: inherited basics, the `env` runner parameter, then st2's
 * ST2_ACTION_* variables (which the action cannot override).
 */
export async function buildActionEnv(
  ctx: RunnerContext,
  userEnv: unknown,
  options: ActionEnvOptions,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of options.inheritEnv ?? INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  if (userEnv !== undefined && userEnv !== null) {
    if (typeof userEnv !== 'object' || Array.isArray(userEnv)) {
      throw new Error(`parameter "env" of action ${ctx.action.ref} must be an object of NAME: value`);
    }
    for (const [name, value] of Object.entries(userEnv)) {
      if (!ENV_NAME.test(name)) {
        throw new Error(
          `parameter "env" of action ${ctx.action.ref}: "${name}" is not a valid variable name`,
        );
      }
      env[name] = envValue(value);
    }
  }
  env.ST2_ACTION_PACK_NAME = ctx.action.pack;
  env.ST2_ACTION_EXECUTION_ID = ctx.executionId;
  if (options.apiUrl) env.ST2_ACTION_API_URL = options.apiUrl;
  const token = await options.authToken?.(ctx);
  if (token) {
    ctx.addSecret(token);
    env.ST2_ACTION_AUTH_TOKEN = token;
  }
  for (const value of Object.values(env)) {
    if (value.includes('\0'))
      throw new Error(`environment of action ${ctx.action.ref}: a value contains a NUL byte`);
  }
  return env;
}

export { envValue };
