import type { Readable, Writable } from 'node:stream';
import { ConsoleAdapter } from './console-adapter.ts';

export { ConsoleAdapter, type ConsoleAdapterOptions } from './console-adapter.ts';
export { renderText } from './render-text.ts';

/** Whether `squall start` runs the console chat: `console.enabled` true, or auto with a TTY on stdin. */
export function consoleChatEnabled(setting: unknown, stdin: { isTTY?: boolean } = process.stdin): boolean {
  const value = String(setting ?? 'auto').toLowerCase();
  return value === 'true' || (value === 'auto' && stdin.isTTY === true);
}

/**
 * The console chat for `squall start`: `console.enabled` is `auto` (on when stdin is a TTY), `true` or `false`.
 * Returns the adapter to hand to createBot, or undefined when disabled.
 */
export function consoleAdapterFor(
  setting: unknown,
  io: { stdin?: Readable & { isTTY?: boolean }; stdout?: Writable } = {},
): ConsoleAdapter | undefined {
  const stdin = io.stdin ?? process.stdin;
  if (!consoleChatEnabled(setting, stdin)) return undefined;
  return new ConsoleAdapter({
    input: stdin,
    output: io.stdout ?? process.stdout,
    prompt: stdin.isTTY === true,
  });
}
