import { describe, expect, it } from 'vitest';
import { isYamlParseError, parseYamlText, type YamlFile } from '../../engine/packs/yaml-file.ts';

function parse(text: string): YamlFile {
  const r = parseYamlText('/tmp/x.yaml', text);
  if (isYamlParseError(r)) throw new Error(r.message);
  return r;
}

describe('st2 YAML reading (PyYAML semantics)', () => {
  it('resolves scalars like PyYAML safe_load', () => {
    const { data } = parse(
      [
        'a: yes',
        'b: Off',
        'c: True',
        'd: None',
        'version: 1.0',
        'y: 2', // a key named y stays "y" (PyYAML has no y/n booleans)
        'n: no',
        'e: 1e3',
        'f: 1.0e+3',
        'g: 0777',
        'h: 12:30',
      ].join('\n'),
    );
    expect(data).toEqual({
      a: true,
      b: false,
      c: true,
      d: 'None',
      version: 1,
      y: 2,
      n: false,
      e: '1e3',
      f: 1000,
      g: 511,
      h: 750,
    });
  });

  it('keeps unquoted dates as strings', () => {
    expect(parse('date: 2030-12-31 23:59:59\nday: 2030-01-01').data).toEqual({
      date: '2030-12-31 23:59:59',
      day: '2030-01-01',
    });
  });

  it('finds the line of a field path, or of its nearest existing ancestor', () => {
    const y = parse('---\nname: a\nparameters:\n  cmd:\n    type: string\nlist:\n  - x\n  - k: 1\n');
    expect(y.lineOf('/parameters/cmd/type')).toBe(5);
    expect(y.lineOf('/list/1/k')).toBe(8);
    expect(y.lineOf('/parameters/missing')).toBe(3);
    expect(y.lineOf('/a~1b')).toBe(2);
  });

  it('reports syntax errors with a line instead of throwing', () => {
    const r = parseYamlText('/tmp/x.yaml', 'a: 1\nb: [1, 2\nc: 3\n');
    expect(isYamlParseError(r)).toBe(true);
    expect(r).toMatchObject({ line: expect.any(Number), message: expect.stringMatching(/^invalid YAML: /) });
  });
});
