import type { AliasFormatSpec } from '../engine/model/alias.ts';

/** One entry of an alias's `formats`, normalised as st2's `normalise_alias_format_string` does. */
export interface NormalizedFormat {
  /** Help text; null when the entry is a representation-only dict (no help entry). */
  display: string | null;
  /** Format strings that are matched against commands (empty for a display-only dict). */
  representations: string[];
  matchMultiple: boolean;
}

/**
 * A string gives display=str and representation=[str]; a dict gives its display (may be null), its
 * representation (a bare string is wrapped) and match_multiple. Anything else is a TypeError, worded as st2's.
 */
export function normalizeFormat(format: AliasFormatSpec | unknown): NormalizedFormat {
  if (typeof format === 'string') return { display: format, representations: [format], matchMultiple: false };
  if (format !== null && typeof format === 'object' && !Array.isArray(format)) {
    const spec = format as { display?: unknown; representation?: unknown; match_multiple?: unknown };
    const display = typeof spec.display === 'string' ? spec.display : null;
    let representations: string[] = [];
    if (typeof spec.representation === 'string') representations = [spec.representation];
    else if (Array.isArray(spec.representation)) {
      representations = spec.representation.filter((r): r is string => typeof r === 'string');
    }
    return { display, representations, matchMultiple: spec.match_multiple === true };
  }
  throw new TypeError(`alias_format '${pyRepr(format)}' is neither a dictionary or string type.`);
}

/** Python's repr() for JSON-like values, so error messages read as st2's. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\t/g, '\\t')
      .replace(/\r/g, '\\r')
      .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
    return `${quote}${body}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}
