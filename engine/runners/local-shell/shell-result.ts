import { constants } from 'node:os';
import type { RunnerResult } from '../runner.ts';
import type { ProcessOutcome } from './process.ts';

/** st2's strip_shell_chars: drop one trailing "\n", then one trailing "\r". */
export function stripShellChars(text: string): string {
  let out = text.endsWith('\n') ? text.slice(0, -1) : text;
  out = out.endsWith('\r') ? out.slice(0, -1) : out;
  return out;
}

/** st2's jsonify.json_loads on stdout/stderr: output that is valid JSON is stored parsed. */
function maybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** What st2 stores for one output stream: the text as captured when it was cut, else parsed JSON or the text. */
export function storedStream(stream: { text: string; truncated: boolean }): unknown {
  return stream.truncated ? stream.text : maybeJson(stripShellChars(stream.text));
}

export interface ShellResult {
  failed: boolean;
  succeeded: boolean;
  return_code: number;
  stdout: unknown;
  stderr: unknown;
  error?: string;
  stdout_truncated?: boolean;
  stdout_bytes_total?: number;
  stderr_truncated?: boolean;
  stderr_bytes_total?: number;
}

/** Exit code st2 reports for a timed-out action (-SIGKILL). */
const TIMEOUT_RETURN_CODE = -9;

/** Shapes a process outcome like st2's local runner result and picks the execution status. */
export function shellResult(outcome: ProcessOutcome, timeoutSeconds?: number): RunnerResult {
  let status: RunnerResult['status'];
  let returnCode: number;
  let error: string | undefined;
  if (outcome.spawnError) {
    status = 'failed';
    returnCode = -1;
    error = outcome.spawnError.message;
  } else if (outcome.aborted === 'timeout') {
    status = 'timeout';
    returnCode = TIMEOUT_RETURN_CODE;
    error =
      timeoutSeconds === undefined
        ? 'Action failed to complete in time'
        : `Action failed to complete in ${timeoutSeconds} seconds`;
  } else if (outcome.aborted === 'canceled') {
    status = 'canceled';
    returnCode = outcome.exitCode ?? -15;
    error = 'Action was canceled';
  } else {
    returnCode = outcome.exitCode ?? (outcome.exitSignal ? -signalNumber(outcome.exitSignal) : -1);
    status = returnCode === 0 ? 'succeeded' : 'failed';
  }
  const succeeded = status === 'succeeded';
  const result: ShellResult = {
    failed: !succeeded,
    succeeded,
    return_code: returnCode,
    stdout: storedStream(outcome.stdout),
    stderr: storedStream(outcome.stderr),
  };
  if (error) result.error = error;
  if (outcome.stdout.truncated) {
    result.stdout_truncated = true;
    result.stdout_bytes_total = outcome.stdout.bytesTotal;
  }
  if (outcome.stderr.truncated) {
    result.stderr_truncated = true;
    result.stderr_bytes_total = outcome.stderr.bytesTotal;
  }
  return { status, result };
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1;
}

/** A failure before any process ran (bad parameters, missing entry point). */
export function setupFailure(message: string): RunnerResult {
  return {
    status: 'failed',
    result: { failed: true, succeeded: false, return_code: -1, stdout: '', stderr: '', error: message },
  };
}
