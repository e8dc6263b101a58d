import { describe, expect, it } from 'vitest';
import { compileVm, vmExec } from '../../aliases/backtrack-vm.ts';
import { compileFormat, parseCommand } from '../../aliases/format-parser.ts';
import { parsePythonRegex } from '../../aliases/python-regex.ts';

function vmFor(format: string) {
  const parsed = parsePythonRegex(compileFormat(format).pythonSource, { dotAll: true });
  const prog = compileVm(parsed.nodes, parsed.flags.i);
  if (!prog) throw new Error(`no VM program for ${format}`);
  return prog;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FORMATS = [
  'run {{cmd}} on {{hosts}}',
  'skip {{a}} more skip {{b}} and skip more.',
  'acl {{a}} {{b}} {{c}} {{d=1}}',
  's {{a}} more {{ b }} more {{ c=99 }} more {{ d = 99 }}',
  "{{ p0='http' }} g {{ p1=p }} a {{ url }} {{ p2={'a':'b'} }} {{ p3={{ e.i }} }}",
  'deploy thing7 {{target}} to {{env=prod}}',
  '(run|execute) {{cmd}}( on {{hosts=localhost}})?[!.]?',
  '(?:\\b|^)duplicate of (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)(?:\\b|$)',
  '{{choice}} cross the {{target}}',
  'copy {{src}} {{dst}}',
  '(?i)restart {{svc}} now',
  'tag (?P<name>\\w+) as {{label}}',
];
const VALUES = ['a', 'b c', '"x y"', "'q r'", '{"k": 1}', 'é 😀', '"', "w'", 'A-12', 'now', 'on', 'to'];

function randomCommand(format: string, rand: () => number): string {
  let text = format.replace(/\{\{[^{}]*(\{\{[^{}]*\}\}[^{}]*)?\}\}/g, () =>
    rand() < 0.15 ? '' : VALUES[Math.floor(rand() * VALUES.length)]!,
  );
  text = text.replace(/\(\?[:P<>a-z_=]*|[()\\^$?|[\]!]/g, '');
  const words = text.split(' ').filter((_w) => rand() > 0.1);
  if (rand() < 0.3)
    words.splice(Math.floor(rand() * (words.length + 1)), 0, VALUES[Math.floor(rand() * VALUES.length)]!);
  return ` ${words.join(rand() < 0.2 ? '  ' : ' ')} `;
}

describe('bit-state matcher agrees with V8 on alias formats', () => {
  it.each(FORMATS)('%s', (format) => {
    const compiled = compileFormat(format);
    const prog = vmFor(format);
    const rand = rng(format.length * 7919);
    for (let n = 0; n < 1500; n++) {
      const stream = randomCommand(format, rand);
      for (const withIndices of [false, true]) {
        const re = withIndices ? compiled.indexed() : compiled.regex;
        const a = re.exec(stream);
        const b = vmExec(prog, stream, 0, withIndices);
        const view = (m: RegExpExecArray | null) =>
          m && {
            index: m.index,
            all: [...m],
            groups: { ...m.groups },
            spans: withIndices ? { ...m.indices?.groups } : undefined,
          };
        expect([stream, view(b)]).toEqual([stream, view(a)]);
      }
    }
  });

  it('searches from an offset like a global RegExp (match_multiple)', () => {
    const format = FORMATS[7]!;
    const prog = vmFor(format);
    const stream = ' JKROWLING-4 is a duplicate of JRRTOLKIEN-24 which is a duplicate of DRSEUSS-12 ';
    const first = vmExec(prog, stream, 0, false)!;
    const second = vmExec(prog, stream, first.index + first[0].length, false)!;
    expect([first.groups?.issue_key, second.groups?.issue_key]).toEqual(['JRRTOLKIEN-24', 'DRSEUSS-12']);
    expect(vmExec(prog, stream, second.index + second[0].length, false)).toBeNull();
  });

  it('long commands that would make V8 backtrack for ages are answered (and still correct)', () => {
    const format = 'x {{a}} {{b}} {{c}} {{d}} end';
    const words = 'w '.repeat(2000);
    expect(() => parseCommand(format, `x ${words}nope`)).toThrow("doesn't match format string");
    expect(parseCommand(format, `x ${words}y z q end`)).toEqual({
      a: 'w',
      b: 'w',
      c: 'w',
      d: `${'w '.repeat(1997)}y z q`,
    });
  });

  it('gives up (null) on what it does not support, so V8 is used', () => {
    expect(compileVm(parsePythonRegex('(a)\\1').nodes, false)).toBeNull();
    expect(compileVm(parsePythonRegex('(?=ab)a').nodes, false)).toBeNull();
  });
});
