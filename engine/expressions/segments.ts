/** Finds the expressions inside a string: YAQL `<% %>`, Jinja `{{ }}` and `{% %}`. */

export const YAQL_SEGMENT = /<%([\s\S]*?)%>/g;
export const JINJA_OUTPUT_SEGMENT = /\{\{([\s\S]*?)\}\}/g;
export const JINJA_BLOCK_SEGMENT = /\{%([\s\S]*?)%\}/g;

export interface Segment {
  /** The full text including delimiters, e.g. `<% ctx().x %>`. */
  text: string;
  /** The inner expression, e.g. ` ctx().x `. */
  inner: string;
  index: number;
}

export function findSegments(text: string, re: RegExp): Segment[] {
  const out: Segment[] = [];
  for (const m of text.matchAll(new RegExp(re.source, 'g')))
    out.push({ text: m[0], inner: m[1], index: m.index ?? 0 });
  return out;
}
