import type { ChatMessage } from '../chat-adapter.ts';

/** st2's `A {~} B`: A is plain text (pretext), B the rich part; a trailing `{~}` means all plain text. */
export function splitMessage(text: string): Pick<ChatMessage, 'text' | 'pretext'> {
  const index = text.indexOf('{~}');
  if (index < 0) return { text };
  const pretext = text.slice(0, index).trim();
  const body = text.slice(index + 3).trim();
  if (!body) return { text: pretext };
  return pretext ? { pretext, text: body } : { text: body };
}
