import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ParameterSchema } from '../../model/index.ts';
import { type ActionEnvOptions, buildActionEnv } from '../local-shell/action-env.ts';
import { runProcess } from '../local-shell/process.ts';
import { entryPointPath } from '../local-shell/script-runner.ts';
import { stripShellChars } from '../local-shell/shell-result.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { effectiveSignal, errorMessage, splitParameters, timeoutSeconds } from '../runner-support.ts';
import type { ChildMessage, ParentMessage } from './ipc-messages.ts';

/** Squall's own runner (no st2 equivalent); shaped like st2's python-script. */
export const JAVASCRIPT_PARAMETERS: ParameterSchema = {
  env: {
    description: 'Environment variables which will be available to the action process.',
    type: 'object',
  },
  timeout: {
    default: 600,
    description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.",
    type: 'integer',
  },
};

const CHILD = fileURLToPath(new URL('./js-child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENTRY_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

export interface JavascriptRunnerOptions extends ActionEnvOptions {
  killGraceMs?: number;
}

/**
 * `javascript` (alias `nodejs`): the entry module exports `default` (or `run`) `async (params, context) =>
 * result`. It runs in its own Node process (process group), so a busy loop or a hang is killed by the timeout,
 * and every run loads the module fresh. context = { executionId, action, config (pack config), logger,
 * datastore (get/set, proxied over IPC to the engine's datastore), output(stream, text) }.
 * Result (like python-script): `{ result, stdout, stderr, exit_code }`; a throw → failed with
 * `{ error, traceback, stdout, stderr, exit_code }`.
 */
export class JavascriptRunner implements Runner {
  readonly name = 'javascript';
  readonly parameters = JAVASCRIPT_PARAMETERS;
  readonly defaultTimeoutSeconds = 600;

  constructor(private readonly options: JavascriptRunnerOptions = {}) {}

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const fail = (error: string): RunnerResult => ({ status: 'failed', result: { error } });
    const entry = entryPointPath(ctx);
    if (!entry) return fail(`action ${ctx.action.ref}: the javascript runner needs an entry_point`);
    if (!ENTRY_EXTENSIONS.some((ext) => entry.endsWith(ext))) {
      return fail(
        `action ${ctx.action.ref}: entry_point must end with ${ENTRY_EXTENSIONS.join(', ')} (${entry})`,
      );
    }
    try {
      if (!(await stat(entry)).isFile())
        return fail(`action ${ctx.action.ref}: entry point ${entry} is not a file`);
    } catch {
      return fail(`action ${ctx.action.ref}: entry point ${entry} does not exist`);
    }
    const { runnerParams, actionParams } = splitParameters(ctx, this.parameters);
    let env: Record<string, string>;
    let config: Record<string, unknown>;
    try {
      env = await buildActionEnv(ctx, runnerParams.env, this.options);
      config = ctx.services.packConfig(ctx.action.pack) ?? {};
    } catch (error) {
      return fail(`action ${ctx.action.ref}: ${errorMessage(error)}`);
    }

    let reply: Extract<ChildMessage, { type: 'result' }> | undefined;
    const attach = (child: ChildProcess) => {
      const send = (message: ParentMessage) => {
        if (child.connected)
          child.send(message, (error) => error && ctx.logger.debug({ err: error }, 'ipc send'));
      };
      const start: ParentMessage = {
        type: 'run',
        entry,
        parameters: actionParams,
        config,
        executionId: ctx.executionId,
        action: { ref: ctx.action.ref, pack: ctx.action.pack },
      };
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') send(start);
        else if (message.type === 'result') reply = message;
        else if (message.type === 'log') this.#log(ctx, message);
        else if (message.type === 'datastore') void this.#datastore(ctx, message, send);
      });
    };

    const { signal, dispose } = effectiveSignal(ctx);
    try {
      const outcome = await runProcess({
        file: process.execPath,
        args: ['--import', TSX, CHILD],
        cwd: ctx.action.pack_path,
        env,
        signal,
        outputCapBytes: ctx.outputCapBytes,
        onOutput: (stream, text) => ctx.output(stream, text),
        killGraceMs: this.options.killGraceMs ?? 500,
        ipc: attach,
      });
      const base: Record<string, unknown> = {
        stdout: stripShellChars(outcome.stdout.text),
        stderr: stripShellChars(outcome.stderr.text),
        exit_code: outcome.exitCode ?? -1,
      };
      if (outcome.stdout.truncated)
        Object.assign(base, { stdout_truncated: true, stdout_bytes_total: outcome.stdout.bytesTotal });
      if (outcome.stderr.truncated)
        Object.assign(base, { stderr_truncated: true, stderr_bytes_total: outcome.stderr.bytesTotal });
      if (outcome.aborted === 'timeout') {
        const seconds = timeoutSeconds(ctx, runnerParams.timeout);
        return {
          status: 'timeout',
          result: { ...base, error: `Action failed to complete in ${seconds ?? '?'} seconds` },
        };
      }
      if (outcome.aborted === 'canceled')
        return { status: 'canceled', result: { ...base, error: 'Action was canceled' } };
      if (outcome.spawnError)
        return fail(`could not start the action process: ${outcome.spawnError.message}`);
      if (!reply) {
        const how = outcome.exitSignal ? `signal ${outcome.exitSignal}` : `code ${outcome.exitCode}`;
        return {
          status: 'failed',
          result: { ...base, error: `the action process exited (${how}) before returning a result` },
        };
      }
      if (reply.ok) return { status: 'succeeded', result: { ...base, result: reply.result } };
      return { status: 'failed', result: { ...base, error: reply.error, traceback: reply.traceback } };
    } finally {
      dispose();
    }
  }

  #log(ctx: RunnerContext, message: Extract<ChildMessage, { type: 'log' }>): void {
    const level = ['debug', 'info', 'warn', 'error'].includes(message.level) ? message.level : 'info';
    const fields = message.fields ?? {};
    ctx.logger[level]({ ...fields, execution_id: ctx.executionId, action: ctx.action.ref }, message.msg);
    ctx.output('log', `${JSON.stringify({ level, msg: message.msg, ...fields })}\n`);
  }

  async #datastore(
    ctx: RunnerContext,
    message: Extract<ChildMessage, { type: 'datastore' }>,
    send: (message: ParentMessage) => void,
  ): Promise<void> {
    const store = ctx.services.datastore;
    try {
      if (!store) throw new Error('the datastore is not available');
      if (typeof message.key !== 'string' || message.key === '')
        throw new Error('datastore key must be a non-empty string');
      const given = message.options ?? {};
      if (given.scope !== undefined && given.scope !== 'system' && given.scope !== 'user')
        throw new Error(`datastore scope must be "system" or "user", got ${JSON.stringify(given.scope)}`);
      // User scope means the execution's user: the action cannot name another.
      const options = {
        scope: given.scope as 'system' | 'user' | undefined,
        user: ctx.context.user,
        decrypt: given.decrypt === true,
        encrypt: given.encrypt === true,
        ttl: typeof given.ttl === 'number' ? given.ttl : undefined,
      };
      if (message.op === 'get') {
        const value = await store.get(message.key, options);
        // A decrypted value is a secret from here on: redact it wherever the action echoes it.
        if (message.options?.decrypt === true && typeof value === 'string' && value) ctx.addSecret(value);
        send({ type: 'datastore_result', id: message.id, ok: true, value });
      } else {
        await store.set(message.key, message.value, options);
        send({ type: 'datastore_result', id: message.id, ok: true });
      }
    } catch (error) {
      send({ type: 'datastore_result', id: message.id, ok: false, error: errorMessage(error) });
    }
  }
}
