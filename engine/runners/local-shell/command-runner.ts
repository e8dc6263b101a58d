import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { effectiveSignal, errorMessage, splitParameters, timeoutSeconds } from '../runner-support.ts';
import { type ActionEnvOptions, buildActionEnv } from './action-env.ts';
import { localSpawner, runProcess } from './process.ts';
import { setupFailure, shellResult } from './shell-result.ts';

/** st2 contrib/runners/local_runner runner.yaml, `local-shell-cmd`. */
export const LOCAL_SHELL_CMD_PARAMETERS: ParameterSchema = {
  cmd: { description: 'Arbitrary Linux command to be executed on the host.', type: 'string' },
  cwd: { description: 'Working directory where the command will be executed in', type: 'string' },
  env: {
    description: 'Environment variables which will be available to the command(e.g. key1=val1,key2=val2)',
    type: 'object',
  },
  kwarg_op: {
    default: '--',
    description: 'Operator to use in front of keyword args i.e. "--" or "-".',
    type: 'string',
  },
  sudo: { default: false, description: 'The command will be executed with sudo.', type: 'boolean' },
  sudo_password: {
    default: null,
    description: 'Sudo password. To be used when paswordless sudo is not allowed.',
    type: 'string',
    secret: true,
    required: false,
  },
  timeout: {
    default: 60,
    description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.",
    type: 'integer',
  },
};

export interface LocalShellOptions extends ActionEnvOptions {
  /** Grace between SIGTERM and SIGKILL of the process group. */
  killGraceMs?: number;
  /**
   * When Squall already runs as root, `sudo: true` runs the command directly (containers often have no sudo).
   * Set true to call sudo anyway.
   */
  sudoWhenRoot?: boolean;
}

/** Whether to prefix sudo: asked for, and not already root (unless `sudoWhenRoot`). */
export function useSudo(runnerParams: Record<string, unknown>, options: LocalShellOptions): boolean {
  return runnerParams.sudo === true && (options.sudoWhenRoot === true || process.getuid?.() !== 0);
}

/** Environment variable that carries a secret-bearing `cmd` (see LocalShellCommandRunner.run). */
export const SECRET_CMD_ENV = 'SQUALL_SECRET_CMD';
const SECRET_CMD_LAUNCHER = `__squall_cmd=$${SECRET_CMD_ENV}; unset ${SECRET_CMD_ENV}; eval "$__squall_cmd"`;

/** The argv that runs a shell command: `bash -c <cmd>`, or `sudo [-S] -E -- bash -c <cmd>` (st2's form). */
export function commandArgv(cmd: string, sudo: boolean, hasSudoPassword: boolean): string[] {
  const shell = ['bash', '-c', cmd];
  if (!sudo) return shell;
  return ['sudo', ...(hasSudoPassword ? ['-S'] : []), '-E', '--', ...shell];
}

/** st2 detects a rejected sudo password from sudo's own message. */
export function sudoPasswordRejected(stderr: string): boolean {
  return /sudo: \d+ incorrect password attempts?/.test(stderr) || /Sorry, try again\./.test(stderr);
}

let spawnerWarning: string | undefined;

/** Says once per reason that local processes are spawned in the engine process (the spawner could not start). */
function warnIfSpawnerUnavailable(ctx: RunnerContext): void {
  const reason = localSpawner.fallbackReason;
  if (!reason || reason === spawnerWarning) return;
  spawnerWarning = reason;
  ctx.logger.warn(
    { execution_id: ctx.executionId, reason },
    'process spawner unavailable: spawning in the engine process (slower under load)',
  );
}

/** Runs the shared part of both local shell runners once the argv is known. */
export async function runLocal(
  ctx: RunnerContext,
  runnerParams: Record<string, unknown>,
  argv: string[],
  extraEnv: Record<string, string>,
  options: LocalShellOptions,
): Promise<RunnerResult> {
  let env: Record<string, string>;
  try {
    env = { ...(await buildActionEnv(ctx, runnerParams.env, options)), ...extraEnv };
  } catch (error) {
    return setupFailure(errorMessage(error));
  }
  const sudoPassword = typeof runnerParams.sudo_password === 'string' ? runnerParams.sudo_password : '';
  if (sudoPassword) ctx.addSecret(sudoPassword);
  const cwd = typeof runnerParams.cwd === 'string' && runnerParams.cwd !== '' ? runnerParams.cwd : undefined;
  const { signal, dispose } = effectiveSignal(ctx);
  try {
    ctx.logger.debug(
      { execution_id: ctx.executionId, runner: ctx.action.runner_type, file: argv[0], cwd },
      'starting local process',
    );
    const outcome = await runProcess({
      file: argv[0]!,
      args: argv.slice(1),
      cwd,
      env,
      // The sudo password travels on stdin (sudo -S), never in argv.
      stdin: argv[0] === 'sudo' && sudoPassword ? `${sudoPassword}\n` : undefined,
      signal,
      outputCapBytes: ctx.outputCapBytes,
      onOutput: (stream, text) => ctx.output(stream, text),
      killGraceMs: options.killGraceMs,
    });
    warnIfSpawnerUnavailable(ctx);
    const shaped = shellResult(outcome, timeoutSeconds(ctx, runnerParams.timeout));
    if (argv[0] === 'sudo' && sudoPassword && sudoPasswordRejected(outcome.stderr.text)) {
      const result = shaped.result as Record<string, unknown>;
      result.error = 'Invalid sudo password provided or sudo is not configured for this user';
      result.return_code = -1;
      return { status: 'failed', result: { ...result, failed: true, succeeded: false } };
    }
    if (outcome.spawnError && (outcome.spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
      const where = cwd ? ` and that cwd "${cwd}" exists` : '';
      (shaped.result as Record<string, unknown>).error =
        `cannot start "${argv[0]}": ${outcome.spawnError.message} (check that it is installed${where})`;
    }
    return shaped;
  } finally {
    dispose();
  }
}

/** `local-shell-cmd`: `cmd` is a shell command by design; callers shell-quote untrusted values inside it. */
export class LocalShellCommandRunner implements Runner {
  readonly name = 'local-shell-cmd';
  readonly parameters = LOCAL_SHELL_CMD_PARAMETERS;
  readonly defaultTimeoutSeconds = 60;

  constructor(private readonly options: LocalShellOptions = {}) {}

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    if (ctx.action.entry_point) {
      return setupFailure(
        `action ${ctx.action.ref}: entry_point is only valid for the local-shell-script runner (${ctx.action.metadata_file})`,
      );
    }
    const { runnerParams } = splitParameters(ctx, this.parameters);
    const cmd = runnerParams.cmd;
    if (typeof cmd !== 'string' || cmd === '') {
      return setupFailure(`action ${ctx.action.ref}: parameter "cmd" must be a non-empty string`);
    }
    const sudo = useSudo(runnerParams, this.options);
    const hasPassword = Boolean(runnerParams.sudo_password);
    if (ctx.secretParameters.has('cmd')) {
      // The command carries a secret (e.g. a decrypted datastore value): keep it out of bash's argv, which any
      // local user can read in /proc/<pid>/cmdline. bash reads it from the environment (owner-only) and drops it
      // before running it, so the processes it starts do not inherit it either.
      const argv = commandArgv(SECRET_CMD_LAUNCHER, sudo, hasPassword);
      return runLocal(ctx, runnerParams, argv, { [SECRET_CMD_ENV]: cmd }, this.options);
    }
    return runLocal(ctx, runnerParams, commandArgv(cmd, sudo, hasPassword), {}, this.options);
  }
}
