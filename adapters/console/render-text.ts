/** A ChatMessage as terminal lines (no colours: output may be a pipe or a log). */
import type { ChatMessage, ChatStatus } from '../../bot/chat-adapter.ts';

const ICONS: Record<ChatStatus, string> = {
  info: 'ℹ',
  running: '…',
  pending: '?',
  succeeded: '✔',
  failed: '✖',
  warning: '!',
};

export function statusIcon(status: ChatStatus | undefined): string {
  return ICONS[status ?? 'info'];
}

export function indent(code: string): string {
  return code
    .split('\n')
    .map((l) => `  │ ${l}`)
    .join('\n');
}

export function headerLines(message: ChatMessage): string[] {
  const lines: string[] = [];
  const first = [statusIcon(message.status), message.title].filter(Boolean).join(' ');
  if (message.pretext) lines.push(`${first} ${message.pretext}`, message.text);
  else lines.push(message.title ? `${first}\n${message.text}` : `${first} ${message.text}`);
  return lines;
}

export function tailLines(message: ChatMessage): string[] {
  const lines: string[] = [];
  if (message.fields?.length)
    lines.push(`  ${message.fields.map((f) => `${f.title}: ${f.value}`).join(' · ')}`);
  if (message.footer) lines.push(`  ${message.footer}`);
  if (message.attachment)
    lines.push(
      `  ── ${message.attachment.filename} ──`,
      indent(message.attachment.content.replace(/\n$/, '')),
    );
  if (message.buttons?.length)
    lines.push(
      `  ${message.buttons.map((b, i) => `${i + 1}) ${b.label}`).join('   ')}   — type the number to answer`,
    );
  return lines;
}

export function renderText(message: ChatMessage): string {
  const lines = headerLines(message);
  if (message.code && !message.attachment) lines.push(indent(message.code.trimEnd()));
  lines.push(...tailLines(message));
  return lines.filter((l) => l !== '').join('\n');
}
