import type { ParameterSchema } from '../model/index.ts';
import type { RunnerContext } from './runner.ts';

/** Splits the merged parameters into the runner's own and the action's (those a script receives). */
export function splitParameters(
  ctx: RunnerContext,
  runnerSchema: ParameterSchema,
): { runnerParams: Record<string, unknown>; actionParams: Record<string, unknown> } {
  const runnerParams: Record<string, unknown> = {};
  const actionParams: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ctx.parameters)) {
    if (Object.hasOwn(runnerSchema, name)) runnerParams[name] = value;
    else actionParams[name] = value;
  }
  return { runnerParams, actionParams };
}

/** Why an execution was stopped: a timeout (AbortSignal.timeout, or reason 'timeout') or a cancel. */
export function abortKind(signal: AbortSignal): 'timeout' | 'canceled' {
  const reason: unknown = signal.reason;
  if (reason === 'timeout') return 'timeout';
  if (reason && typeof reason === 'object' && (reason as { name?: unknown }).name === 'TimeoutError')
    return 'timeout';
  return 'canceled';
}

/**
 * The caller enforces the timeout through `ctx.signal`; runners also arm `ctx.timeoutMs` themselves so a runner
 * used alone (tests, tools) still stops. Whichever fires first wins; both mean `timeout`.
 */
export function effectiveSignal(ctx: RunnerContext): { signal: AbortSignal; dispose(): void } {
  if (!ctx.timeoutMs || ctx.timeoutMs <= 0) return { signal: ctx.signal, dispose() {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${ctx.timeoutMs} ms`, 'TimeoutError')),
    ctx.timeoutMs,
  );
  timer.unref?.();
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Seconds shown in st2's "Action failed to complete in N seconds" message. */
export function timeoutSeconds(ctx: RunnerContext, fallback?: unknown): number | undefined {
  if (ctx.timeoutMs) return Math.round(ctx.timeoutMs / 100) / 10;
  return typeof fallback === 'number' ? fallback : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
