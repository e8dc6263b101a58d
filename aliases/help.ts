/**
 * Help listing, as st2's `GET /v1/actionalias/help` (st2common/util/actionalias_helpstring.py):
 * disabled aliases, other packs and formats without a display are skipped; `filter` is a case-insensitive
 * regex search on the display; `available` counts every display that passes, inside or outside the
 * limit/offset window. `canUse` (Squall) hides aliases the asking user may not run (st2#2414).
 */
import type { AliasDefinition } from '../engine/model/alias.ts';
import { normalizeFormat } from './normalize-format.ts';
import { compilePython } from './python-regex.ts';

export interface HelpOptions {
  filter?: string | null;
  pack?: string | null;
  limit?: number;
  offset?: number;
  canUse?: (alias: AliasDefinition) => boolean;
}

export interface HelpEntry {
  pack: string;
  display: string;
  description: string;
  ref: string;
}

export interface HelpResult {
  available: number;
  helpstrings: HelpEntry[];
}

function filterTest(filter: string | null | undefined): (display: string) => boolean {
  if (filter !== null && filter !== undefined && typeof filter !== 'string') {
    throw new TypeError('filter must be a string');
  }
  if (!filter) return () => true;
  try {
    const { regex } = compilePython(filter, { ignoreCase: true });
    return (display) => regex.test(display);
  } catch {
    // Not a valid regex (e.g. "run (x"): a plain case-insensitive substring search is what the user meant.
    const needle = filter.toLowerCase();
    return (display) => display.toLowerCase().includes(needle);
  }
}

export function listHelp(aliases: readonly AliasDefinition[], options: HelpOptions = {}): HelpResult {
  const limit = options.limit ?? 0;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || !Number.isInteger(offset)) {
    throw new TypeError('limit or offset argument is not an integer');
  }
  const passes = filterTest(options.filter);
  const helpstrings: HelpEntry[] = [];
  let count = 0;
  for (const alias of aliases) {
    if (alias.enabled === false) continue;
    if (options.pack && options.pack !== alias.pack) continue;
    if (options.canUse && !options.canUse(alias)) continue;
    for (const spec of alias.formats ?? []) {
      let display: string | null;
      try {
        display = normalizeFormat(spec).display;
      } catch {
        continue;
      }
      if (!display || !passes(display)) continue;
      // st2's window: a negative limit or offset means no window.
      const outside =
        (offset === 0 && limit > 0 && count >= limit) ||
        (offset > 0 && limit === 0 && count < offset) ||
        (offset > 0 && limit > 0 && (count < offset || count >= offset + limit));
      count++;
      if (outside) continue;
      helpstrings.push({ pack: alias.pack, display, description: alias.description ?? '', ref: alias.ref });
    }
  }
  return { available: count, helpstrings };
}
