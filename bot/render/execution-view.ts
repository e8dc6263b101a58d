/** An execution as st2's alias templates see it (`execution.result.stdout`, `execution.elapsed_seconds`, ...). */
import type { ActionDefinition } from '../../engine/model/action.ts';
import type { ExecutionRecord } from '../../engine/model/execution.ts';

export function elapsedSeconds(record: ExecutionRecord): number | undefined {
  if (!record.end_timestamp) return undefined;
  const ms = Date.parse(record.end_timestamp) - Date.parse(record.start_timestamp);
  return Number.isFinite(ms) ? Math.max(0, ms / 1000) : undefined;
}

export function executionView(
  record: ExecutionRecord,
  action: ActionDefinition | undefined,
  webUrl: string,
): Record<string, unknown> {
  const [pack, ...rest] = record.action.split('.');
  return {
    id: record.id,
    action: {
      ref: record.action,
      name: action?.name ?? rest.join('.'),
      pack: action?.pack ?? pack,
      description: action?.description,
      runner_type: record.runner,
      parameters: action?.parameters ?? {},
    },
    runner: { name: record.runner },
    status: record.status,
    parameters: record.parameters,
    result: record.result ?? {},
    context: record.context,
    start_timestamp: record.start_timestamp,
    end_timestamp: record.end_timestamp,
    elapsed_seconds: elapsedSeconds(record),
    web_url: webUrl,
    log: record.log,
    parent: record.parent,
  };
}

/** Human duration: `0.4s`, `12s`, `3m 20s`. */
export function humanDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${Math.round(seconds - m * 60)}s`;
}
