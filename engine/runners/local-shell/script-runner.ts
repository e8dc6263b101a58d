import { access, chmod, constants, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { errorMessage, splitParameters } from '../runner-support.ts';
import { LOCAL_SHELL_CMD_PARAMETERS, type LocalShellOptions, runLocal, useSudo } from './command-runner.ts';
import { buildScriptArgs } from './script-args.ts';
import { setupFailure } from './shell-result.ts';

/** st2 contrib/runners/local_runner runner.yaml, `local-shell-script`. */
export const LOCAL_SHELL_SCRIPT_PARAMETERS: ParameterSchema = {
  debug: { description: 'Enable runner debug mode.', type: 'boolean', required: false, default: false },
  content_version: {
    description:
      'Git revision of the pack content to use for this action execution (git commit sha / tag / branch). Only applies to packs which are git repositories.',
    type: 'string',
    required: false,
  },
  cwd: { description: 'Working directory where the script will be executed in', type: 'string' },
  env: {
    description: 'Environment variables which will be available to the script(e.g. key1=val1,key2=val2)',
    type: 'object',
  },
  kwarg_op: LOCAL_SHELL_CMD_PARAMETERS.kwarg_op!,
  sudo: LOCAL_SHELL_CMD_PARAMETERS.sudo!,
  sudo_password: LOCAL_SHELL_CMD_PARAMETERS.sudo_password!,
  timeout: LOCAL_SHELL_CMD_PARAMETERS.timeout!,
};

/** Absolute path of an action's entry point (`<pack>/actions/<entry_point>` unless the loader resolved it). */
export function entryPointPath(ctx: RunnerContext): string | undefined {
  const { action } = ctx;
  if (action.entry_point_path) return action.entry_point_path;
  if (!action.entry_point) return undefined;
  return isAbsolute(action.entry_point)
    ? action.entry_point
    : join(action.pack_path, 'actions', action.entry_point);
}

/** st2 runs `chmod +x` on the script before running it; Squall does the same when it may. */
async function ensureExecutable(path: string): Promise<void> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`entry point ${path} is not a file`);
  try {
    await access(path, constants.X_OK);
    return;
  } catch {
    // not executable yet
  }
  try {
    await chmod(path, info.mode | 0o111);
  } catch (error) {
    throw new Error(`entry point ${path} is not executable and chmod +x failed: ${errorMessage(error)}`);
  }
}

/**
 * `local-shell-script`: runs the entry point directly with an argv array built from the action's parameters
 * (see script-args.ts for the rules, including where secret parameters go).
 */
export class LocalShellScriptRunner implements Runner {
  readonly name = 'local-shell-script';
  readonly parameters = LOCAL_SHELL_SCRIPT_PARAMETERS;
  readonly defaultTimeoutSeconds = 60;

  constructor(private readonly options: LocalShellOptions = {}) {}

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const script = entryPointPath(ctx);
    if (!script) {
      return setupFailure(
        `action ${ctx.action.ref}: local-shell-script needs an entry_point (${ctx.action.metadata_file})`,
      );
    }
    try {
      await ensureExecutable(script);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return setupFailure(
        code === 'ENOENT'
          ? `action ${ctx.action.ref}: entry point ${script} does not exist (${ctx.action.metadata_file})`
          : `action ${ctx.action.ref}: ${errorMessage(error)}`,
      );
    }
    const { runnerParams, actionParams } = splitParameters(ctx, this.parameters);
    const kwargOp = typeof runnerParams.kwarg_op === 'string' ? runnerParams.kwarg_op : '--';
    let args: ReturnType<typeof buildScriptArgs>;
    try {
      args = buildScriptArgs(actionParams, ctx.action.parameters, ctx.secretParameters, kwargOp);
    } catch (error) {
      return setupFailure(`action ${ctx.action.ref}: ${errorMessage(error)}`);
    }
    const argv = useSudo(runnerParams, this.options)
      ? ['sudo', ...(runnerParams.sudo_password ? ['-S'] : []), '-E', '--', script, ...args.argv]
      : [script, ...args.argv];
    return runLocal(ctx, runnerParams, argv, args.env, this.options);
  }
}
