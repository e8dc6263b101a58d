import type { Readable, Writable } from 'node:stream';
import { ConsoleAdapter } from './console-adapter.ts';

export { ConsoleAdapter, type ConsoleAdapterOptions } from './console-adapter.ts';
export { renderText } from './render-text.ts';

/**
 * The console chat for `squall start`: `console.enabled` is `auto` (on when stdin is a TTY), `true` or `false`.
 * Returns the adapter to hand to createBot, or undefined when disabled.
 */
export function consoleAdapterFor(
  setting: unknown,
  io: { stdin?: Readable & { isTTY?: boolean }; stdout?: Writable } = {},
): ConsoleAdapter | undefined {
  const stdin = io.stdin ?? process.stdin;
  const value = String(setting ?? 'auto').toLowerCase();
  const enabled = value === 'true' || (value === 'auto' && stdin.isTTY === true);
  if (!enabled) return undefined;
  return new ConsoleAdapter({
    input: stdin,
    output: io.stdout ?? process.stdout,
    prompt: stdin.isTTY === true,
  });
}
