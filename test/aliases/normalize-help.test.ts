import { describe, expect, it } from 'vitest';
import { listHelp } from '../../aliases/help.ts';
import { normalizeFormat } from '../../aliases/normalize-format.ts';
import { alias } from './fixtures.ts';

describe('normalizeFormat (st2 normalise_alias_format_string)', () => {
  it('a string is both display and the only representation', () => {
    const text = "Quite an experience to live in fear, isn't it?";
    expect(normalizeFormat(text)).toEqual({ display: text, representations: [text], matchMultiple: false });
  });

  it('a dict gives display, representation list and match_multiple', () => {
    expect(
      normalizeFormat({
        display: 'Number 5 is {{status}}',
        representation: ['Number 5 is {{status=alive}}'],
      }),
    ).toEqual({
      display: 'Number 5 is {{status}}',
      representations: ['Number 5 is {{status=alive}}'],
      matchMultiple: false,
    });
    expect(normalizeFormat({ display: 'x', representation: 'x {{a}}', match_multiple: true })).toEqual({
      display: 'x',
      representations: ['x {{a}}'],
      matchMultiple: true,
    });
  });

  it('display-only has nothing to match; representation-only has no display', () => {
    expect(normalizeFormat({ display: 'Watch this.' })).toEqual({
      display: 'Watch this.',
      representations: [],
      matchMultiple: false,
    });
    expect(normalizeFormat({ representation: 'You are my greatest invention.' })).toEqual({
      display: null,
      representations: ['You are my greatest invention.'],
      matchMultiple: false,
    });
  });

  it('anything else is a TypeError worded as st2 (with a Python repr)', () => {
    const list = ["Quite an experience to live in fear, isn't it?"];
    expect(() => normalizeFormat(list)).toThrow(TypeError);
    expect(() => normalizeFormat(list)).toThrow(
      `alias_format '["Quite an experience to live in fear, isn't it?"]' is neither a dictionary or string type.`,
    );
    expect(() => normalizeFormat(null)).toThrow(
      "alias_format 'None' is neither a dictionary or string type.",
    );
  });
});

/** st2common/tests/unit/test_actionalias_helpstring.py's ALIASES. */
const ALIASES = [
  alias('terminator.1', ['Come with me if you want to live'], { pack: 'the80s' }),
  alias('terminator.2', ['I need your {{item}}, your {{item2}} and your {{vehicle}}'], { pack: 'the80s' }),
  alias(
    'short_circuit.3',
    [
      { display: 'Number 5 is {{status}}', representation: ['Number 5 is {{status=alive}}'] },
      'Hey, laser lips, your mama was a snow blower.',
    ],
    { pack: 'the80s' },
  ),
  alias('short_circuit.4', ['How do I feel? I feel... {{status}}!'], { pack: 'the80s' }),
  alias('the_goonies.1', [{ display: 'Watch this.' }], { pack: 'the80s' }),
  alias('the_goonies.5', [{ display: "He's just like his {{relation}}." }], { pack: 'the80s' }),
  alias('the_goonies.6', [{ representation: "That's okay daddy. You can't hug a {{object}}." }], {
    pack: 'the80s',
  }),
  alias('the_goonies.7', [{ representation: 'You are my greatest invention.' }], { pack: 'the80s' }),
  alias(
    'ferris_buellers_day_off.8',
    ['Life moves pretty fast.', "If you don't stop and look around once in a while, you could miss it."],
    { pack: 'the80s' },
  ),
  alias('ferris_buellers_day_off.10', ['Bueller?... Bueller?... Bueller? '], {
    pack: 'the80s',
    enabled: false,
  }),
  alias('ghostbusters.10', ['{{choice}} cross the {{target}}'], { pack: 'the80s' }),
];

describe('listHelp (st2 generate_helpstring_result, test_actionalias_helpstring.py)', () => {
  const first = 'Come with me if you want to live';
  const cases: Array<[string, Parameters<typeof listHelp>[1], number, number, string | undefined]> = [
    ['no arguments', {}, 10, 10, first],
    ['filter without match', { filter: 'you_will_not_find_this_string' }, 0, 0, undefined],
    ['filter match (case-insensitive)', { filter: 'you' }, 4, 4, first],
    ['empty pack', { filter: '', pack: '' }, 10, 10, first],
    ['pack without match', { pack: 'you_will_not_find_this_string' }, 0, 0, undefined],
    ['pack match', { pack: 'the80s' }, 10, 10, first],
    ['negative limit', { pack: 'the80s', limit: -3 }, 10, 10, first],
    ['limit beyond the end', { pack: 'the80s', limit: 30 }, 10, 10, first],
    ['limit in bounds', { pack: 'the80s', limit: 3 }, 10, 3, first],
    ['negative offset', { pack: 'the80s', limit: 0, offset: -1 }, 10, 10, first],
    ['offset beyond the end', { pack: 'the80s', limit: 0, offset: 30 }, 10, 0, undefined],
    ['offset in bounds', { pack: 'the80s', limit: 0, offset: 6 }, 10, 4, "He's just like his {{relation}}."],
  ];

  it.each(cases)('%s', (_name, options, available, shown, firstDisplay) => {
    const result = listHelp(ALIASES, options);
    expect(Object.keys(result).sort()).toEqual(['available', 'helpstrings']);
    expect(result.available).toBe(available);
    expect(result.helpstrings).toHaveLength(shown);
    expect(result.helpstrings[0]?.display).toBe(firstDisplay);
  });

  it('rejects a non-integer limit or offset and a non-string filter', () => {
    expect(() => listHelp(ALIASES, { pack: 'the80s', limit: 'bad' as unknown as number })).toThrow(TypeError);
    expect(() => listHelp(ALIASES, { offset: 'bad' as unknown as number })).toThrow(TypeError);
    expect(() => listHelp(ALIASES, { filter: 44 as unknown as string })).toThrow(TypeError);
  });

  it('gives pack, display, description and ref', () => {
    const a = alias('ops.deploy', ['deploy {{app}}'], { description: 'Deploy an app' });
    expect(listHelp([a]).helpstrings).toEqual([
      { pack: 'ops', display: 'deploy {{app}}', description: 'Deploy an app', ref: 'ops.deploy' },
    ]);
  });

  it('filter is a regex search', () => {
    expect(listHelp(ALIASES, { filter: '^(life|if)\\b' }).helpstrings.map((h) => h.display)).toEqual([
      'Life moves pretty fast.',
      "If you don't stop and look around once in a while, you could miss it.",
    ]);
    // An invalid regex falls back to a plain substring search.
    const odd = [alias('x.danger', ['nuke {{env}} (dangerous)'])];
    expect(listHelp(odd, { filter: '{{ENV}} (DANG' }).available).toBe(1);
  });

  it('canUse hides aliases the user may not run, from the list and the count', () => {
    const result = listHelp(ALIASES, { canUse: (a) => a.ref.startsWith('terminator.') });
    expect(result.available).toBe(2);
    expect(result.helpstrings.map((h) => h.ref)).toEqual(['terminator.1', 'terminator.2']);
  });
});
