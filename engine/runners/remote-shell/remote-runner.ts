import { constants as fsConstants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import type { ParameterSchema } from '../../model/index.ts';
import { envValue } from '../local-shell/action-env.ts';
import { sudoPasswordRejected } from '../local-shell/command-runner.ts';
import { buildScriptArgs } from '../local-shell/script-args.ts';
import { entryPointPath } from '../local-shell/script-runner.ts';
import { storedStream } from '../local-shell/shell-result.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import {
  abortKind,
  effectiveSignal,
  errorMessage,
  splitParameters,
  timeoutSeconds,
} from '../runner-support.ts';
import { type HostTarget, parseHost, parseHosts } from './hosts.ts';
import { KnownHosts } from './known-hosts.ts';
import { REMOTE_SHELL_CMD_PARAMETERS, REMOTE_SHELL_SCRIPT_PARAMETERS } from './parameters.ts';
import { buildInvocation, quoteValue, type RemotePlan } from './remote-command.ts';
import { type RemoteOutcome, runQuiet, runRemote } from './remote-process.ts';
import { removeDirCommand, type UploadedScript, uploadScript } from './script-upload.ts';
import { SshConnection, type SshCredentials, SshError } from './ssh-connection.ts';

export interface RemoteRunnerOptions {
  /** OpenSSH known_hosts file the host keys are checked against (config `ssh.known_hosts`). Default ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Check host keys (config `ssh.strict_host_key_checking`, default true). false accepts any key: explicit only. */
  strictHostKeyChecking?: boolean;
  /** Login when the action gives no `username` (config `ssh.user`); default: the user Squall runs as. */
  defaultUsername?: string;
  /** Private key file when the action gives neither `password` nor `private_key` (config `ssh.key_file`). */
  defaultPrivateKeyPath?: string;
  /** Port when neither `hosts` nor `port` names one (config `ssh.port`, default 22). */
  defaultPort?: number;
  /** Handshake + authentication time limit per host (config `ssh.connect_timeout`, default 10 s). */
  connectTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL of the remote process group on timeout/cancel (default 2 s). */
  killGraceMs?: number;
  /** Hosts run at once when `parallel` is true (config `ssh.max_parallel`, default 10). */
  maxParallel?: number;
  /** ST2_ACTION_API_URL on the remote host. */
  apiUrl?: string;
  /** A short-lived token for ST2_ACTION_AUTH_TOKEN (sent through stdin, never on a command line). */
  authToken?: (ctx: RunnerContext) => string | undefined | Promise<string | undefined>;
}

export interface HostResult {
  stdout: unknown;
  stderr: unknown;
  return_code: number;
  succeeded: boolean;
  failed: boolean;
  timeout?: boolean;
  error?: string;
  stdout_truncated?: boolean;
  stdout_bytes_total?: number;
  stderr_truncated?: boolean;
  stderr_bytes_total?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const CLEANUP_TIMEOUT_MS = 10_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function failure(error: string, returnCode = 255, extra: Partial<HostResult> = {}): HostResult {
  return { failed: true, succeeded: false, return_code: returnCode, stdout: '', stderr: '', error, ...extra };
}

function paramError(message: string): RunnerResult {
  return { status: 'failed', result: { failed: true, succeeded: false, error: message } };
}

function looksLikeKeyMaterial(value: string): boolean {
  return value.includes('-----BEGIN') || value.startsWith('PuTTY-User-Key-File') || value.includes('\n');
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** `private_key` is key material or a path (st2 accepts both); the default key file applies when neither auth is given. */
async function resolvePrivateKey(
  value: unknown,
  passphrase: string | undefined,
  fallbackPath: string | undefined,
): Promise<{ material: string; parsed: ParsedKey } | undefined> {
  let material: string | undefined;
  let source: string;
  if (typeof value === 'string' && value !== '') {
    if (looksLikeKeyMaterial(value)) {
      material = value;
      source = 'parameter "private_key"';
    } else {
      const path = expandHome(value);
      source = `parameter "private_key" (file ${path})`;
      try {
        material = await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(
          `${source}: not key material and not a readable file (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
        );
      }
    }
  } else if (fallbackPath) {
    const path = expandHome(fallbackPath);
    source = `default key file ${path} (ssh.key_file)`;
    try {
      material = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`${source}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
    }
  } else {
    return undefined;
  }
  // Parsed (and decrypted: bcrypt rounds are slow in JS) once here, then handed to ssh2 as is.
  const parsed = ssh2.utils.parseKey(material, passphrase);
  if (parsed instanceof Error) {
    const hint = /passphrase/i.test(parsed.message) ? '' : ' (OpenSSH, PEM or PuTTY private key expected)';
    throw new Error(`${source}: ${parsed.message}${hint}`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new Error(`${source}: this is a public key; the private key is needed`);
  return { material, parsed: key };
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** What the shared host loop needs from the cmd or script runner. */
interface Job {
  /** Prepares one host (script copy) and returns the shell text to run, plus extra exported variables. */
  prepare(
    connection: SshConnection,
  ): Promise<{ command: string; env?: Record<string, string>; uploaded?: UploadedScript }>;
}

/** Shared part of both remote runners: parameters, connections (one per host, plus one to the bastion), hosts loop, st2 result. */
abstract class RemoteShellRunner implements Runner {
  abstract readonly name: string;
  abstract readonly parameters: ParameterSchema;
  readonly defaultTimeoutSeconds = 60;

  constructor(protected readonly options: RemoteRunnerOptions = {}) {}

  protected abstract job(
    ctx: RunnerContext,
    runnerParams: Record<string, unknown>,
    actionParams: Record<string, unknown>,
  ): Promise<Job | string>;

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const { runnerParams, actionParams } = splitParameters(ctx, this.parameters);
    const opts = this.options;
    const defaultPort = typeof runnerParams.port === 'number' ? runnerParams.port : (opts.defaultPort ?? 22);

    let targets: HostTarget[];
    let bastion: HostTarget | undefined;
    let credentials: SshCredentials;
    let knownHosts: KnownHosts | undefined;
    let env: Record<string, string>;
    let job: Job;
    try {
      targets = parseHosts(runnerParams.hosts, defaultPort);
      const bastionHost = stringParam(runnerParams, 'bastion_host');
      if (bastionHost) bastion = parseHost(bastionHost, opts.defaultPort ?? 22, 'parameter "bastion_host"');
      const password = stringParam(runnerParams, 'password');
      const passphrase = stringParam(runnerParams, 'passphrase');
      for (const name of ['password', 'passphrase', 'private_key', 'sudo_password']) {
        const value = stringParam(runnerParams, name);
        if (value) ctx.addSecret(value);
      }
      const privateKey = await resolvePrivateKey(
        runnerParams.private_key,
        passphrase,
        password ? undefined : opts.defaultPrivateKeyPath,
      );
      if (privateKey) ctx.addSecret(privateKey.material.trim());
      credentials = {
        username: stringParam(runnerParams, 'username') ?? opts.defaultUsername ?? userInfo().username,
        password,
        privateKey: privateKey?.parsed,
        passphrase,
      };
      if (opts.strictHostKeyChecking !== false) {
        knownHosts = KnownHosts.load(expandHome(opts.knownHostsPath ?? '~/.ssh/known_hosts'));
      }
      env = await this.#env(ctx, runnerParams.env);
      const prepared = await this.job(ctx, runnerParams, actionParams);
      if (typeof prepared === 'string') return paramError(prepared);
      job = prepared;
    } catch (error) {
      return paramError(`action ${ctx.action.ref}: ${errorMessage(error)}`);
    }

    const sudo = runnerParams.sudo === true;
    const sudoPassword = sudo ? stringParam(runnerParams, 'sudo_password') : undefined;
    // st2's default (/tmp) also when the runner is used without the parameter renderer (which applies defaults).
    const cwd = Object.hasOwn(runnerParams, 'cwd')
      ? stringParam(runnerParams, 'cwd')
      : (this.parameters.cwd?.default as string | undefined);
    const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const killGraceMs = opts.killGraceMs ?? 2000;
    const { signal, dispose } = effectiveSignal(ctx);
    const seconds = timeoutSeconds(ctx, runnerParams.timeout);
    const stoppedResult = (): HostResult => {
      const kind = abortKind(signal);
      return kind === 'timeout'
        ? failure(
            seconds === undefined
              ? 'Action failed to complete in time'
              : `Action failed to complete in ${seconds} seconds`,
            -9,
            { timeout: true },
          )
        : failure('Action was canceled', -15);
    };

    let bastionConnection: Promise<SshConnection> | undefined;
    const openBastion = (): Promise<SshConnection> => {
      bastionConnection ??= SshConnection.connect({
        target: bastion!,
        credentials,
        knownHosts,
        connectTimeoutMs,
        signal,
      }).catch((error: unknown) => {
        if (error instanceof SshError && error.kind !== 'aborted') {
          throw new SshError(`bastion ${bastion!.label}: ${error.message}`, error.kind);
        }
        throw error;
      });
      return bastionConnection;
    };

    const runHost = async (target: HostTarget): Promise<HostResult> => {
      if (signal.aborted) {
        const base = stoppedResult();
        return { ...base, error: `not run on this host: ${base.error}` };
      }
      let connection: SshConnection;
      try {
        const sock = bastion ? await (await openBastion()).forwardOut(target.host, target.port) : undefined;
        connection = await SshConnection.connect({
          target,
          credentials,
          knownHosts,
          connectTimeoutMs,
          signal,
          sock,
          via: bastion?.label,
        });
      } catch (error) {
        if (error instanceof SshError && error.kind === 'aborted') return stoppedResult();
        return failure(errorMessage(error));
      }
      let uploaded: UploadedScript | undefined;
      try {
        const prepared = await job.prepare(connection);
        uploaded = prepared.uploaded;
        const plan: RemotePlan = {
          env: { ...env, ...prepared.env },
          cwd,
          command: prepared.command,
          sudo,
          sudoPassword,
        };
        ctx.logger.debug(
          { execution_id: ctx.executionId, runner: this.name, host: target.label, sudo, cwd },
          'running remote command',
        );
        const outcome = await runRemote({
          connection,
          invocation: buildInvocation(plan),
          signal,
          outputCapBytes: ctx.outputCapBytes,
          prefix: `${target.label}: `,
          onOutput: (stream, text) => ctx.output(stream, text),
          killGraceMs,
          sudo,
          sudoPassword,
        });
        const result = this.#shape(outcome, stoppedResult);
        if (sudo && !result.succeeded && !result.error) {
          const stderr = outcome.stderr.text;
          if (sudoPassword && sudoPasswordRejected(stderr)) {
            result.error = `sudo on ${target.label} rejected the sudo_password (or sudo is not configured for ${credentials.username})`;
          } else if (/^sudo: (a password is required|a terminal is required)/m.test(stderr)) {
            result.error = `sudo on ${target.label} needs a password for ${credentials.username}: give "sudo_password"`;
          } else if (/is not in the sudoers file|is not allowed to execute/.test(stderr)) {
            result.error = `${credentials.username} may not use sudo on ${target.label}`;
          }
        }
        return result;
      } catch (error) {
        if (signal.aborted) return stoppedResult();
        return failure(errorMessage(error));
      } finally {
        if (uploaded) {
          try {
            await runQuiet(
              connection,
              { commandLine: removeDirCommand(uploaded.dir), stdin: '', nonce: '' },
              CLEANUP_TIMEOUT_MS,
            );
          } catch (error) {
            ctx.logger.warn(
              {
                execution_id: ctx.executionId,
                host: target.label,
                dir: uploaded.dir,
                err: errorMessage(error),
              },
              'could not remove the script directory on the remote host',
            );
          }
        }
        connection.close();
      }
    };

    const results: Record<string, HostResult> = {};
    try {
      if (runnerParams.parallel === true) {
        const limit = Math.max(1, opts.maxParallel ?? 10);
        let next = 0;
        const worker = async () => {
          while (next < targets.length) {
            const target = targets[next++]!;
            results[target.label] = await runHost(target);
          }
        };
        await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
      } else {
        for (const target of targets) results[target.label] = await runHost(target);
      }
    } finally {
      dispose();
      if (bastionConnection)
        await bastionConnection.then(
          (c) => c.close(),
          () => {},
        );
    }

    // Hosts in the order they were listed (parallel runs finish in any order).
    const ordered: Record<string, HostResult> = {};
    for (const target of targets) ordered[target.label] = results[target.label]!;
    let status: RunnerResult['status'] = Object.values(ordered).every((r) => r.succeeded)
      ? 'succeeded'
      : 'failed';
    if (signal.aborted) status = abortKind(signal) === 'timeout' ? 'timeout' : 'canceled';
    return { status, result: ordered };
  }

  /** st2 ParallelSSHClient's per-host result. */
  #shape(outcome: RemoteOutcome, stopped: () => HostResult): HostResult {
    const out = (c: RemoteOutcome['stdout']) => storedStream(c);
    let result: HostResult;
    if (outcome.aborted) {
      result = { ...stopped(), stdout: out(outcome.stdout), stderr: out(outcome.stderr) };
    } else {
      const code = outcome.exitCode ?? (outcome.exitSignal ? -(ssh2Signal(outcome.exitSignal) ?? 1) : 255);
      const succeeded = code === 0 && !outcome.problem;
      result = {
        stdout: out(outcome.stdout),
        stderr: out(outcome.stderr),
        return_code: code,
        succeeded,
        failed: !succeeded,
      };
    }
    if (outcome.problem)
      result.error = result.error ? `${result.error}; ${outcome.problem}` : outcome.problem;
    if (outcome.stdout.truncated) {
      result.stdout_truncated = true;
      result.stdout_bytes_total = outcome.stdout.bytesTotal;
    }
    if (outcome.stderr.truncated) {
      result.stderr_truncated = true;
      result.stderr_bytes_total = outcome.stderr.bytesTotal;
    }
    return result;
  }

  /** The remote environment: the `env` parameter, then st2's ST2_ACTION_* (all sent through stdin). */
  async #env(ctx: RunnerContext, userEnv: unknown): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    if (userEnv !== undefined && userEnv !== null) {
      if (typeof userEnv !== 'object' || Array.isArray(userEnv)) {
        throw new Error('parameter "env" must be an object of NAME: value');
      }
      for (const [name, value] of Object.entries(userEnv)) {
        if (!ENV_NAME.test(name)) throw new Error(`parameter "env": "${name}" is not a valid variable name`);
        env[name] = envValue(value);
      }
    }
    env.ST2_ACTION_PACK_NAME = ctx.action.pack;
    env.ST2_ACTION_EXECUTION_ID = ctx.executionId;
    if (this.options.apiUrl) env.ST2_ACTION_API_URL = this.options.apiUrl;
    const token = await this.options.authToken?.(ctx);
    if (token) {
      ctx.addSecret(token);
      env.ST2_ACTION_AUTH_TOKEN = token;
    }
    return env;
  }
}

/** Signal numbers as Linux numbers them (the remote host's, reported by name over SSH). */
function ssh2Signal(name: string): number | undefined {
  const table: Record<string, number> = {
    HUP: 1,
    INT: 2,
    QUIT: 3,
    ILL: 4,
    ABRT: 6,
    FPE: 8,
    KILL: 9,
    SEGV: 11,
    PIPE: 13,
    ALRM: 14,
    TERM: 15,
    USR1: 10,
    USR2: 12,
  };
  return table[name.replace(/^SIG/, '')];
}

/**
 * `remote-shell-cmd`: `cmd` is a shell command by design (untrusted values in its template are shell-quoted by
 * the parameter renderer); it reaches the host through stdin, never a command line.
 */
export class RemoteShellCommandRunner extends RemoteShellRunner {
  readonly name = 'remote-shell-cmd';
  readonly parameters = REMOTE_SHELL_CMD_PARAMETERS;

  protected async job(ctx: RunnerContext, runnerParams: Record<string, unknown>): Promise<Job | string> {
    const cmd = runnerParams.cmd;
    if (typeof cmd !== 'string' || cmd.trim() === '') {
      return `action ${ctx.action.ref}: parameter "cmd" must be a non-empty string`;
    }
    if (cmd.includes('\0')) return `action ${ctx.action.ref}: parameter "cmd" contains a NUL byte`;
    return { prepare: async () => ({ command: cmd }) };
  }
}

/**
 * `remote-shell-script`: the entry point is copied over SFTP to a private temporary directory on each host, run
 * with its arguments (each single-quoted; secret parameters as exported SQUALL_SECRET_* variables instead), and
 * the directory is removed afterwards.
 */
export class RemoteShellScriptRunner extends RemoteShellRunner {
  readonly name = 'remote-shell-script';
  readonly parameters = REMOTE_SHELL_SCRIPT_PARAMETERS;

  protected async job(
    ctx: RunnerContext,
    runnerParams: Record<string, unknown>,
    actionParams: Record<string, unknown>,
  ): Promise<Job | string> {
    const script = entryPointPath(ctx);
    if (!script)
      return `action ${ctx.action.ref}: remote-shell-script needs an entry_point (${ctx.action.metadata_file})`;
    try {
      if (!(await stat(script)).isFile())
        return `action ${ctx.action.ref}: entry point ${script} is not a file`;
      await access(script, fsConstants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? `action ${ctx.action.ref}: entry point ${script} does not exist (${ctx.action.metadata_file})`
        : `action ${ctx.action.ref}: entry point ${script}: ${errorMessage(error)}`;
    }
    const kwargOp = typeof runnerParams.kwarg_op === 'string' ? runnerParams.kwarg_op : '--';
    const args = buildScriptArgs(actionParams, ctx.action.parameters, ctx.secretParameters, kwargOp);
    const quotedArgs = args.argv.map((arg, i) => quoteValue(arg, `script argument ${i + 1}`));
    const libDir = join(ctx.action.pack_path, 'actions', 'lib');
    const hasLib = await stat(libDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const dir = stringParam(runnerParams, 'dir') ?? '/tmp';
    return {
      prepare: async (connection) => {
        const uploaded = await uploadScript(connection, script, dir, hasLib ? libDir : undefined);
        const command = [quoteValue(uploaded.script, 'script path'), ...quotedArgs].join(' ');
        return { command, env: args.env, uploaded };
      },
    };
  }
}
