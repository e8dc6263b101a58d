/**
 * Python string-literal escapes (`unicode_escape`), which both Jinja and YAQL use for quoted strings:
 * known escapes are decoded and unknown ones keep their backslash, so `"\w+"` stays `\w+` — st2 regex
 * arguments depend on that.
 */

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/** Decodes one escape at `body[i]` (the char after the backslash): the text and how many chars it used. */
export function decodeEscape(body: string, i: number): { text: string; used: number } {
  const c = body[i];
  if (c === undefined) return { text: '\\', used: 0 };
  if (Object.hasOwn(SIMPLE, c)) return { text: SIMPLE[c], used: 1 };
  const octal = /^[0-7]{1,3}/.exec(body.slice(i));
  if (octal) return { text: String.fromCharCode(Number.parseInt(octal[0], 8)), used: octal[0].length };
  const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLen) {
    const hex = body.slice(i + 1, i + 1 + hexLen);
    if (new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) {
      return { text: String.fromCodePoint(Number.parseInt(hex, 16)), used: 1 + hexLen };
    }
  }
  return { text: `\\${c}`, used: 1 };
}

/** Decodes the body of a quoted string literal with Python's rules. */
export function decodePythonString(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      out += body[i];
      continue;
    }
    const { text, used } = decodeEscape(body, i + 1);
    out += text;
    i += used;
  }
  return out;
}
