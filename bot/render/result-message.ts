/**
 * Ack and result messages (st2's alias ack/result, format_execution_result): alias templates when given
 * (ack: strict undefined, result: lenient, as st2), Squall's default layout otherwise. Long output becomes an
 * attachment with its tail shown, never silently cut.
 */
import { renderDeep, renderTemplate } from '../../engine/expressions/index.ts';
import type { AliasDefinition } from '../../engine/model/alias.ts';
import type { ExecutionRecord, ExecutionStatus } from '../../engine/model/execution.ts';
import type { ChatMessage, ChatStatus } from '../chat-adapter.ts';
import { humanDuration } from './execution-view.ts';
import { splitMessage } from './split-message.ts';
import { tail } from './truncate.ts';

export function chatStatus(status: ExecutionStatus): ChatStatus {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'timeout':
    case 'abandoned':
      return 'failed';
    case 'canceled':
    case 'canceling':
      return 'warning';
    case 'pending':
    case 'paused':
    case 'pausing':
      return 'pending';
    default:
      return 'running';
  }
}

/** The output worth showing from a result: shell stdout/stderr, an error, or the whole result as JSON. */
export function resultOutput(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result === 'string') return result;
  if (typeof result === 'object' && !Array.isArray(result)) {
    const r = result as Record<string, unknown>;
    if (typeof r.stdout === 'string' || typeof r.stderr === 'string') {
      const out = String(r.stdout ?? '').replace(/\n$/, '');
      const err = String(r.stderr ?? '').replace(/\n$/, '');
      return err ? (out ? `${out}\n--- stderr ---\n${err}` : err) : out;
    }
    if (typeof r.error === 'string' && Object.keys(r).length <= 2) return r.error;
  }
  return JSON.stringify(result, null, 2);
}

function fields(record: ExecutionRecord, elapsed?: number): ChatMessage['fields'] {
  const out = [
    { title: 'execution', value: record.id, short: true },
    { title: 'status', value: record.status, short: true },
  ];
  if (elapsed !== undefined) out.push({ title: 'took', value: humanDuration(elapsed), short: true });
  return out;
}

/** The code block within the adapter's limit; the whole text as an attachment when it does not fit. */
export function fitCode(
  code: string,
  budget: number,
  filename: string,
): Pick<ChatMessage, 'code' | 'attachment' | 'footer'> {
  if (!code) return {};
  if (code.length <= budget) return { code };
  const shown = tail(code, budget);
  return {
    code: shown.text,
    attachment: { filename, content: code },
    footer: `output is ${code.length} characters: the full text is attached`,
  };
}

export function renderAck(
  alias: AliasDefinition | undefined,
  execution: Record<string, unknown>,
  record: ExecutionRecord,
): Pick<ChatMessage, 'text' | 'pretext' | 'extra'> | undefined {
  const ack = alias?.ack;
  if (ack?.enabled === false) return undefined;
  const extra = ack?.extra ? { ...(alias?.extra ?? {}), ...ack.extra } : alias?.extra;
  if (ack?.format) {
    let text: string;
    try {
      text = renderTemplate(ack.format, { execution, actionalias: alias }, { strictUndefined: true });
    } catch (err) {
      text = `Cannot render "format" in field "ack" for alias. ${(err as Error).message}`;
    }
    return { ...splitMessage(text), ...(extra ? { extra } : {}) };
  }
  return { text: `On it: ${record.action} (execution ${record.id})`, ...(extra ? { extra } : {}) };
}

export interface ResultOptions {
  maxTextLength: number;
  elapsed?: number;
}

export function renderResult(
  alias: AliasDefinition | undefined,
  execution: Record<string, unknown>,
  record: ExecutionRecord,
  options: ResultOptions,
): ChatMessage | undefined {
  const result = alias?.result;
  if (result?.enabled === false) return undefined;
  const status = chatStatus(record.status);
  const output = resultOutput(record.result);
  if (result?.format) {
    let text: string;
    try {
      text = renderTemplate(result.format, { execution, alias, actionalias: alias });
    } catch (err) {
      text = `Cannot render "format" in field "result" for alias. ${(err as Error).message}`;
    }
    let extra: Record<string, unknown> | undefined;
    try {
      extra = result.extra
        ? (renderDeep(result.extra, { execution, alias }) as Record<string, unknown>)
        : undefined;
    } catch {
      extra = result.extra;
    }
    const split = splitMessage(text);
    const fitted = fitCode(split.text, options.maxTextLength - 100, `${record.id}.txt`);
    return {
      ...split,
      ...(fitted.attachment
        ? { text: fitted.code ?? '', attachment: fitted.attachment, footer: fitted.footer }
        : {}),
      status,
      ...(extra ? { extra } : {}),
    };
  }
  const took = options.elapsed !== undefined ? ` after ${humanDuration(options.elapsed)}` : '';
  const text = `${record.action} ${record.status}${took}`;
  return {
    text,
    status,
    fields: fields(record, options.elapsed),
    ...fitCode(output, options.maxTextLength - text.length - 200, `${record.id}.txt`),
  };
}

/** The message while an execution runs: the ack text with the live output tail. */
export function renderRunning(
  ack: Pick<ChatMessage, 'text' | 'pretext' | 'extra'>,
  record: Pick<ExecutionRecord, 'id' | 'status'>,
  output: string,
  maxTextLength: number,
): ChatMessage {
  const budget = Math.max(200, maxTextLength - ack.text.length - 200);
  return {
    ...ack,
    status: record.status === 'pending' ? 'pending' : 'running',
    ...(output ? { code: tail(output, budget).text } : {}),
  };
}
