/** st2 time function to_human_time_from_seconds (st2common/expressions/functions/time.py), quirks included. */
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { positionalOnly } from '../kwargs.ts';

/** Python 3 round(): halves go to the even neighbour. */
function pyRound(n: number): number {
  const floor = Math.floor(n);
  const diff = n - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function toHumanTimeFromSeconds(seconds: unknown): string | null {
  if (seconds === null || seconds === undefined) return null;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
    throw new ExpressionError(
      `to_human_time_from_seconds: expected a number of seconds, got ${JSON.stringify(seconds)}`,
    );
  }
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${seconds}\u03BCs`;
  const whole = pyRound(seconds);
  // st2 adds the seconds to datetime(1, 1, 1) and reads year-1 / day-of-month-1 / h / m / s (months are lost).
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  d.setTime(d.getTime() + whole * 1000);
  const parts = [
    d.getUTCFullYear() - 1,
    d.getUTCDate() - 1,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
  const first = parts.findIndex((x) => x !== 0);
  if (first < 0) return '0s';
  const rest = parts.slice(first);
  const units = ['y', 'd', 'h', 'm', 's'].slice(5 - rest.length);
  return rest.map((v, i) => `${v}${units[i]}`).join('');
}

export const timeFunctions: Record<string, ExpressionFunction> = {
  to_human_time_from_seconds: (...args) => toHumanTimeFromSeconds(positionalOnly(args)[0]),
};
