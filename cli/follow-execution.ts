import type { ExecutionRecord, ExecutionStatus, OutputChunk } from '../engine/model/index.ts';
import type { ApiClient } from './api-client.ts';

/** A status change of the followed execution or of one of its tasks (`squall.execution.progress` events). */
export interface ExecutionProgress {
  id: string;
  action: string;
  status: ExecutionStatus;
  /** The execution it runs under, for a workflow task (at any depth). */
  parent?: string;
  task_id?: string;
  /** Set for one item of a with-items task. */
  item_id?: number;
}

/** Statuses of the followed execution itself worth a line (requested → running is what `run` already says). */
const NOTEWORTHY_ROOT = new Set<ExecutionStatus>([
  'delayed',
  'pending',
  'pausing',
  'paused',
  'resuming',
  'canceling',
]);

/** One line for a progress event, or undefined when it is not worth one. */
export function progressLine(rootId: string, progress: ExecutionProgress): string | undefined {
  if (progress.id === rootId)
    return NOTEWORTHY_ROOT.has(progress.status) ? `execution ${progress.id} ${progress.status}` : undefined;
  if (progress.status === 'requested' || progress.status === 'scheduled') return undefined;
  // A with-items task may run thousands of items: only the ones that need attention get a line.
  const item = progress.item_id !== undefined;
  if (item && (progress.status === 'running' || progress.status === 'succeeded')) return undefined;
  const task = progress.task_id ?? progress.id;
  const what = `  task ${item ? `${task}[${progress.item_id}]` : task} (${progress.action}) ${progress.status}`;
  // An approval step waits for a person (answered with `squall inquiry respond`; see inquiryHint).
  if (progress.status === 'pending' && progress.action === 'core.ask')
    return `${what}: waiting for a response`;
  return what;
}

interface InquirySchema {
  properties?: Record<string, { type?: string; description?: string; enum?: unknown[] }>;
  required?: string[];
}

/** A value of the property's type for the example answer. */
function exampleValue(property: { type?: string; enum?: unknown[] }): unknown {
  if (property.enum?.length) return property.enum[0];
  switch (property.type) {
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return 0;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return '…';
  }
}

/** What an inquiry asks and a command that answers it (an example built from its schema's required fields). */
export function inquiryHint(inquiry: { id: string; schema?: InquirySchema }): string[] {
  const properties = inquiry.schema?.properties ?? {};
  const required = inquiry.schema?.required ?? Object.keys(properties);
  const lines = Object.entries(properties).map(
    ([name, p]) =>
      `    ? ${p.description ?? name} (${name}: ${p.enum ? p.enum.map((v) => JSON.stringify(v)).join(' | ') : (p.type ?? 'any')})`,
  );
  const example = Object.fromEntries(required.map((name) => [name, exampleValue(properties[name] ?? {})]));
  lines.push(`    answer: squall inquiry respond ${inquiry.id} '${JSON.stringify(example)}'`);
  return lines;
}

/** How a follow ended: the execution's final record, or where it stood when Ctrl-C stopped the follow. */
export interface Followed {
  record: ExecutionRecord;
  /** Ctrl-C: the execution goes on in the server (in-process it was canceled, see followExecution). */
  interrupted: boolean;
}

/**
 * Follows an execution until it completes. With `output`, its stdout/stderr chunks are written as they arrive
 * (structured `log` lines are not); with `progress`, status changes of it and of its workflow tasks are written to
 * stderr, one line each. Ctrl-C stops following: with a server the execution goes on there (the message says how
 * to tail or cancel it); without one it runs in this process and could not go on, so it is canceled first
 * (a second Ctrl-C quits at once).
 */
export async function followExecution(
  client: ApiClient,
  id: string,
  options: { output: boolean; progress: boolean; announce?: string },
): Promise<Followed> {
  let final: ExecutionRecord | undefined;
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  // Printed only now: a Ctrl-C prompted by this line finds the handler in place.
  if (options.announce) process.stderr.write(`${options.announce}\n`);
  try {
    await client.stream(
      `/stream/v1/executions/${encodeURIComponent(id)}/output`,
      ({ event, data }) => {
        if (event === 'st2.execution.output__create') {
          const chunk = data as OutputChunk;
          if (options.output && chunk.stream !== 'log')
            (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(chunk.data);
        } else if (event === 'squall.execution.progress') {
          const progress = data as ExecutionProgress;
          const line = options.progress ? progressLine(id, progress) : undefined;
          if (line) process.stderr.write(`${line}\n`);
          if (line && progress.status === 'pending' && progress.action === 'core.ask')
            void showInquiry(client, progress.id);
        } else if (event === 'st2.execution__update') {
          final = data as ExecutionRecord;
        }
        return event === 'EOF';
      },
      interrupt.signal,
    );
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (final) return { record: final, interrupted: false };
  if (interrupt.signal.aborted) return stopFollowing(client, id, options);
  return { record: await getExecution(client, id), interrupted: false };
}

function getExecution(client: ApiClient, id: string): Promise<ExecutionRecord> {
  return client.request<ExecutionRecord>('GET', `/api/v1/executions/${encodeURIComponent(id)}`);
}

async function stopFollowing(
  client: ApiClient,
  id: string,
  options: { output: boolean; progress: boolean },
): Promise<Followed> {
  if (client.mode === 'server') {
    process.stderr.write(
      `\nstopped following: execution ${id} goes on in the server (squall execution tail ${id} · squall execution cancel ${id})\n`,
    );
    return { record: await getExecution(client, id), interrupted: true };
  }
  process.stderr.write(
    `\ninterrupted: no squall server is running, so execution ${id} cannot go on without this command: canceling it (Ctrl-C again quits at once)\n`,
  );
  process.once('SIGINT', () => process.exit(130));
  await client.request('DELETE', `/api/v1/executions/${encodeURIComponent(id)}`);
  const { record } = await followExecution(client, id, {
    output: options.output,
    progress: options.progress,
  });
  return { record, interrupted: true };
}

/** Prints what a pending inquiry asks and how to answer it; says so instead when it cannot be read. */
async function showInquiry(client: ApiClient, id: string): Promise<void> {
  try {
    const inquiry = await client.request<{ id: string; schema?: InquirySchema }>(
      'GET',
      `/api/v1/inquiries/${encodeURIComponent(id)}`,
    );
    process.stderr.write(`${inquiryHint(inquiry).join('\n')}\n`);
    // Without a server the engine runs in this command: the answer has to come while it is still waiting here.
    if (client.mode === 'in-process')
      process.stderr.write(
        '    (no squall server is running: answer from another terminal while this command waits)\n',
      );
  } catch (error) {
    process.stderr.write(`    (squall inquiry get ${id} shows the question: ${(error as Error).message})\n`);
  }
}
