/** Python's fnmatch.fnmatch on POSIX (case-sensitive): `*`, `?`, `[seq]`, `[!seq]`, whole-string, DOTALL. */

const cache = new Map<string, RegExp>();

/** Python's fnmatch.translate, producing a JS RegExp (anchored, dotAll). */
export function translateGlob(pat: string): RegExp {
  let res = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i]!;
    i++;
    if (c === '*') {
      if (!res.endsWith('.*')) res += '.*';
    } else if (c === '?') {
      res += '.';
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res += '\\[';
      } else {
        let stuff = pat.slice(i, j).replaceAll('\\', '\\\\');
        i = j + 1;
        if (stuff.startsWith('!')) stuff = `^${stuff.slice(1)}`;
        else if (stuff.startsWith('^') || stuff.startsWith('[')) stuff = `\\${stuff}`;
        // `[` inside a JS class is literal without the v flag; `]` cannot occur here except first.
        res += `[${stuff.replace(/^(\^?)\]/, '$1\\]')}]`;
      }
    } else {
      res += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^(?:${res})$`, 's');
}

export function fnmatch(name: string, pattern: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = translateGlob(pattern);
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(name);
}
