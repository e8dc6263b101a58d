import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AliasMatcher, type AliasMatchResult } from '../../aliases/matcher.ts';
import type { AliasDefinition } from '../../engine/model/alias.ts';
import { alias, loadAliasYaml } from './fixtures.ts';

function expectMatch(result: AliasMatchResult) {
  if (result.kind !== 'match') throw new Error(`expected a match, got ${JSON.stringify(result)}`);
  return result;
}

/** st2tests/fixtures/aliases/aliases/*.yaml used by st2api test_alias_execution.py. */
const ST2_FIXTURES = `
- name: alias1
  formats: ["Lorem ipsum {{param1}} dolor sit {{param2}} amet."]
- name: alias2
  formats:
    - display: "Help entry doesn't matter."
      representation: "Lorem ipsum {{param1}} dolor sit {{param3}} amet."
- name: alias4
  formats:
    - display: "Help entry doesn't matter."
      representation: ["Lorem ipsum {{param1}} dolor sit {{param4}} amet."]
- name: alias5
  formats: ["lorem ipsum"]
  immutable_parameters: {param1: value1, param2: value2}
- name: alias_with_undefined_jinja_in_ack_format
  formats: ["run {{cmd}} on {{hosts}}"]
- name: alias_with_immutable_list_param
  formats: ["test alias foo"]
- name: alias_with_immutable_list_param_str_cast
  formats: ["test alias list param str cast"]
- name: alias_match_multiple
  formats:
    - display: "duplicate of <issue_key>"
      representation: ["(?:\\\\b|^)duplicate of (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)(?:\\\\b|$)"]
      match_multiple: true
- name: alias_match_multiple_fixes1
  formats:
    - display: "fixes <issue_key>"
      representation: ["(?:\\\\b|^)fixes (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)(?:\\\\b|$)"]
      match_multiple: true
- name: alias_match_multiple_fixes2
  formats:
    - display: "fixes <issue_key>"
      representation: ["(?:\\\\b|^)fixes (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)(?:\\\\b|$)"]
      match_multiple: true
`;

const st2Aliases: AliasDefinition[] = (
  parse(ST2_FIXTURES, { version: '1.1' }) as Array<Record<string, never>>
).map((doc) => alias(`aliases.${doc.name}`, doc.formats, doc));

describe('AliasMatcher: st2 parity (test_alias_execution.py, test_actionalias_matching.py)', () => {
  const matcher = new AliasMatcher(st2Aliases);

  it('no pattern: "matched no patterns"', () => {
    const r = matcher.match('hello donny');
    expect(r.kind).toBe('no_match');
    if (r.kind === 'no_match') expect(r.message).toBe("Command 'hello donny' matched no patterns");
  });

  it('identical patterns with different parameter names are a true tie: ambiguous', () => {
    const r = matcher.match('Lorem ipsum banana dolor sit pineapple amet.');
    expect(r.kind).toBe('ambiguous');
    if (r.kind !== 'ambiguous') return;
    expect(r.message).toBe(
      "Command 'Lorem ipsum banana dolor sit pineapple amet.' matched more than 1 pattern",
    );
    expect(r.candidates.map((c) => c.alias.name).sort()).toEqual(['alias1', 'alias2', 'alias4']);
  });

  it('one pattern: match with its parameters', () => {
    const r = expectMatch(matcher.match('run date on localhost'));
    expect(r.alias.name).toBe('alias_with_undefined_jinja_in_ack_format');
    expect(r.params).toEqual({ cmd: 'date', hosts: 'localhost' });
    expect(r.formatIndex).toBe(0);
    expect(r.representation).toBe('run {{cmd}} on {{hosts}}');
    expect(expectMatch(matcher.match('run whoami on localhost1')).params).toEqual({
      cmd: 'whoami',
      hosts: 'localhost1',
    });
  });

  it('match_multiple: one parameter set per match, in order', () => {
    const r = expectMatch(
      matcher.match('JKROWLING-4 is a duplicate of JRRTOLKIEN-24 which is a duplicate of DRSEUSS-12'),
    );
    expect(r.alias.name).toBe('alias_match_multiple');
    expect(r.matchMultiple).toBe(true);
    expect(r.paramSets).toEqual([{ issue_key: 'JRRTOLKIEN-24' }, { issue_key: 'DRSEUSS-12' }]);
  });

  it('two identical match_multiple aliases: "matched more than 1 (multi) pattern"', () => {
    const command = 'JKROWLING-4 fixes JRRTOLKIEN-24 which fixes DRSEUSS-12';
    const r = matcher.match(command);
    expect(r.kind).toBe('ambiguous');
    if (r.kind === 'ambiguous')
      expect(r.message).toBe(`Command '${command}' matched more than 1 (multi) pattern`);
  });

  it('{{choice}} cross the {{target}}', () => {
    const m = new AliasMatcher([alias('ghostbusters.1', ['{{choice}} cross the {{target}}'])]);
    const r = expectMatch(m.match("Don't cross the streams"));
    expect(r.alias.ref).toBe('ghostbusters.1');
    expect(r.representation).toBe('{{choice}} cross the {{target}}');
    expect(r.params).toEqual({ choice: "Don't", target: 'streams' });
  });
});

describe('AliasMatcher: ranking instead of "matched more than 1 pattern"', () => {
  it('more literal text wins (st2#4511)', () => {
    const m = new AliasMatcher([
      alias('packs.generic', ['pack {{action}} {{packs}}']),
      alias('packs.install', ['pack install {{packs}}']),
    ]);
    const r = expectMatch(m.match('pack install st2'));
    expect(r.alias.ref).toBe('packs.install');
    expect(r.params).toEqual({ packs: 'st2' });
    expect(expectMatch(m.match('pack remove st2')).alias.ref).toBe('packs.generic');
  });

  it('the longer format wins for the longer command, the shorter one still matches short commands (st2#3770)', () => {
    const m = new AliasMatcher([
      alias('vm.two', ['vm create {{name}} {{size}}']),
      alias('vm.four', ['vm create {{name}} {{size}} in {{region}} with {{image}}']),
    ]);
    const long = expectMatch(m.match('vm create web1 large in eu-west with ubuntu'));
    expect(long.alias.ref).toBe('vm.four');
    expect(long.params).toEqual({ name: 'web1', size: 'large', region: 'eu-west', image: 'ubuntu' });
    expect(expectMatch(m.match('vm create web1 large')).alias.ref).toBe('vm.two');
  });

  it('then more parameters bound', () => {
    const m = new AliasMatcher([alias('a.one', ['show {{a}}']), alias('a.two', ['show {{a}} {{b}}'])]);
    const r = expectMatch(m.match('show 1 2'));
    expect(r.alias.ref).toBe('a.two');
    expect(r.params).toEqual({ a: '1', b: '2' });
  });

  it('then fewer defaults used', () => {
    const m = new AliasMatcher([
      alias('svc.soft', ['restart {{svc}} {{mode=soft}}']),
      alias('svc.plain', ['restart {{svc}}']),
    ]);
    expect(expectMatch(m.match('restart nginx')).alias.ref).toBe('svc.plain');
  });

  it('a quoted value is kept whole rather than split by a longer format', () => {
    const m = new AliasMatcher([
      alias('sh.run', ['run {{cmd}}']),
      alias('sh.on', ['run {{cmd}} on {{hosts}}']),
    ]);
    const quoted = expectMatch(m.match("run 'ls on web'"));
    expect(quoted.alias.ref).toBe('sh.run');
    expect(quoted.params).toEqual({ cmd: 'ls on web' });
    const plain = expectMatch(m.match('run ls on web'));
    expect(plain.alias.ref).toBe('sh.on');
    expect(plain.params).toEqual({ cmd: 'ls', hosts: 'web' });
  });

  it('lists only the tied candidates', () => {
    const m = new AliasMatcher([
      alias('x.a', ['deploy {{app}}']),
      alias('x.b', ['deploy {{service}}']),
      alias('x.c', ['{{verb}} {{app}}']),
    ]);
    const r = m.match('deploy web');
    expect(r.kind).toBe('ambiguous');
    if (r.kind === 'ambiguous') expect(r.candidates.map((c) => c.alias.ref)).toEqual(['x.a', 'x.b']);
  });

  it('the same representation twice on one alias is not an ambiguity', () => {
    const m = new AliasMatcher([
      alias('x.dup', ['ping {{host}}', { display: 'ping', representation: ['ping {{host}}'] }]),
    ]);
    expect(expectMatch(m.match('ping web1')).formatIndex).toBe(0);
  });
});

describe('AliasMatcher: built-in vs user packs', () => {
  const builtin = alias('core.deploy', ['deploy {{app}} to {{env}}'], { builtin: true });
  const user = alias('mypack.deploy', ['deploy {{app}} to {{env}}']);
  const other = alias('otherpack.deploy', ['deploy {{app}} to {{env}}']);

  it('a user alias beats a built-in one with the same format', () => {
    expect(expectMatch(new AliasMatcher([builtin, user]).match('deploy web to prod')).alias.ref).toBe(
      'mypack.deploy',
    );
    expect(expectMatch(new AliasMatcher([user, builtin]).match('deploy web to prod')).alias.ref).toBe(
      'mypack.deploy',
    );
  });

  it('two user packs with the same format are a true tie', () => {
    const r = new AliasMatcher([builtin, user, other]).match('deploy web to prod');
    expect(r.kind).toBe('ambiguous');
    if (r.kind === 'ambiguous')
      expect(r.candidates.map((c) => c.alias.ref)).toEqual(['mypack.deploy', 'otherpack.deploy']);
  });

  it('a better-ranked built-in alias still wins over a weaker user alias', () => {
    const generic = alias('mypack.generic', ['deploy {{what}}']);
    expect(expectMatch(new AliasMatcher([builtin, generic]).match('deploy web to prod')).alias.ref).toBe(
      'core.deploy',
    );
  });
});

describe('AliasMatcher: canUse (per-user permissions)', () => {
  const m = new AliasMatcher([
    alias('a.ping', ['ping {{host}}']),
    alias('b.ping', ['ping {{target}}']),
    alias('ops.deploy', ['deploy {{app}} to {{env}}']),
  ]);

  it('aliases the user may not run neither match nor make a command ambiguous', () => {
    expect(m.match('ping web1').kind).toBe('ambiguous');
    const r = expectMatch(m.match('ping web1', { canUse: (a) => a.ref !== 'b.ping' }));
    expect(r.alias.ref).toBe('a.ping');
    expect(m.match('deploy web to prod', { canUse: (a) => a.pack !== 'ops' }).kind).toBe('no_match');
  });

  it('suggestions only name aliases the user may run', () => {
    const r = m.match('deplyo web to prod', { canUse: (a) => a.pack !== 'ops' });
    if (r.kind !== 'no_match') throw new Error('expected no_match');
    expect(r.suggestions).toEqual([]);
  });
});

describe('AliasMatcher: formats and aliases st2 skips', () => {
  it('skips disabled aliases', () => {
    const m = new AliasMatcher([alias('x.off', ['ping {{host}}'], { enabled: false })]);
    expect(m.match('ping web1').kind).toBe('no_match');
  });

  it('a display-only format is not matched; a representation-only one is', () => {
    const m = new AliasMatcher([
      alias('the_goonies.1', [{ display: 'Watch this.' }]),
      alias('the_goonies.6', [{ representation: "That's okay daddy. You can't hug a {{object}}." }]),
    ]);
    expect(m.match('Watch this.').kind).toBe('no_match');
    expect(expectMatch(m.match("That's okay daddy. You can't hug a tree.")).params).toEqual({
      object: 'tree',
    });
  });

  it('tries match_multiple formats only when nothing else matched', () => {
    const m = new AliasMatcher([
      alias('jira.dup', [
        { representation: ['(?:\\b|^)duplicate of (?P<key>[A-Z]+-\\d+)(?:\\b|$)'], match_multiple: true },
      ]),
      alias('jira.mark', ['mark {{ticket}} duplicate of {{other}}']),
    ]);
    expect(expectMatch(m.match('mark A-1 duplicate of B-2')).alias.ref).toBe('jira.mark');
    const multi = expectMatch(m.match('it is a duplicate of B-2'));
    expect(multi.alias.ref).toBe('jira.dup');
    expect(multi.paramSets).toEqual([{ key: 'B-2' }]);
  });

  it('records formats that cannot be compiled and keeps the others', () => {
    const m = new AliasMatcher([
      alias('x.bad', ['deploy (oops {{a}}', 42 as unknown as string]),
      alias('x.good', ['deploy {{a}}']),
    ]);
    expect(m.problems.map((p) => p.formatIndex)).toEqual([0, 1]);
    expect(m.problems[1]!.message).toBe("alias_format '42' is neither a dictionary or string type.");
    expect(expectMatch(m.match('deploy web')).alias.ref).toBe('x.good');
  });
});

describe('AliasMatcher: extras and the action parameters (st2#5074)', () => {
  const a = alias('web.fetch', ['fetch {{url}}'], { action_ref: 'web.http' });

  it('without parameter names, an identifier-like trailing key=value is an extra (st2)', () => {
    expect(expectMatch(new AliasMatcher([a]).match('fetch http://x/ page=2')).params).toEqual({
      url: 'http://x/',
      page: '2',
    });
  });

  it('with parameter names, only real parameters are extras', () => {
    const m = new AliasMatcher([a], { actionParameters: { 'web.http': ['url', 'timeout'] } });
    expect(expectMatch(m.match('fetch http://x/ page=2')).params).toEqual({ url: 'http://x/ page=2' });
    expect(expectMatch(m.match('fetch http://x/?q=1 timeout=5')).params).toEqual({
      url: 'http://x/?q=1',
      timeout: '5',
    });
  });

  it('accepts a Map of parameter names, also directly as the second argument', () => {
    const m = new AliasMatcher([a], { actionParameters: new Map([['web.http', new Set(['url'])]]) });
    expect(expectMatch(m.match('fetch a=b')).params).toEqual({ url: 'a=b' });
    const direct = new AliasMatcher([a], new Map([['web.http', ['url']]]));
    expect(expectMatch(direct.match('fetch a=b')).params).toEqual({ url: 'a=b' });
    const record = new AliasMatcher([a], { 'web.http': ['url'] });
    expect(expectMatch(record.match('fetch a=b')).params).toEqual({ url: 'a=b' });
  });
});

describe('AliasMatcher: index by leading literal text', () => {
  const many: AliasDefinition[] = [];
  for (let i = 0; i < 300; i++)
    many.push(alias(`p${i}.deploy`, [`deploy thing${i} {{target}} to {{env=prod}}`]));
  many.push(alias('misc.cross', ['{{choice}} cross the {{target}}']));
  many.push(alias('misc.regex', ['(run|execute) {{cmd}}']));
  const m = new AliasMatcher(many);

  it('finds the right alias among hundreds sharing a first word', () => {
    const r = expectMatch(m.match('deploy thing42 web to staging'));
    expect(r.alias.ref).toBe('p42.deploy');
    expect(r.params).toEqual({ target: 'web', env: 'staging' });
    expect(expectMatch(m.match('deploy thing4 web to')).params).toEqual({ target: 'web', env: 'prod' });
  });

  it('still tries parameter-led and regex-led formats', () => {
    expect(expectMatch(m.match("Don't cross the streams")).alias.ref).toBe('misc.cross');
    expect(expectMatch(m.match('execute uptime')).alias.ref).toBe('misc.regex');
  });

  it('ignores leading whitespace and normalises NBSP before looking up', () => {
    expect(expectMatch(m.match('   deploy\u00a0thing7 web to')).alias.ref).toBe('p7.deploy');
  });

  it('is case-sensitive like st2', () => {
    expect(m.match('Deploy thing7 web').kind).toBe('no_match');
  });
});

describe('AliasMatcher: did you mean', () => {
  const m = new AliasMatcher([
    alias('ops.deploy', ['deploy {{app}} to {{env}}']),
    alias('ops.rollback', ['rollback {{app}}']),
    alias('ops.run', ['run {{cmd}} on {{hosts}}']),
    alias('ops.pack', [{ display: 'pack install {{pack}}', representation: ['pack install {{pack}}'] }]),
    alias('ops.hidden', [{ representation: ['secret {{x}}'] }]),
  ]);

  it('suggests the closest display for a typo', () => {
    const r = m.match('deplyo web to prod');
    expect(r.kind).toBe('no_match');
    if (r.kind === 'no_match') expect(r.suggestions[0]).toBe('deploy {{app}} to {{env}}');
  });

  it('suggests formats for a command missing its arguments', () => {
    const r = m.match('deploy');
    if (r.kind !== 'no_match') throw new Error('expected no_match');
    expect(r.suggestions).toContain('deploy {{app}} to {{env}}');
  });

  it('suggests pack install for "pack instal foo"', () => {
    const r = m.match('pack instal foo');
    if (r.kind !== 'no_match') throw new Error('expected no_match');
    expect(r.suggestions[0]).toBe('pack install {{pack}}');
  });

  it('suggests nothing for unrelated text, and never a format without a display', () => {
    const r = m.match('what is the weather like');
    if (r.kind !== 'no_match') throw new Error('expected no_match');
    expect(r.suggestions).toEqual([]);
    const s = m.match('secrte thing');
    if (s.kind !== 'no_match') throw new Error('expected no_match');
    expect(s.suggestions).not.toContain('secret {{x}}');
  });
});

describe('AliasMatcher: st2docs chatops/aliases.rst examples', () => {
  it('with default', () => {
    const m = new AliasMatcher([alias('ex.run', ['run {{cmd}} {{hosts=localhost}}'])]);
    expect(expectMatch(m.match('run date')).params).toEqual({ cmd: 'date', hosts: 'localhost' });
    expect(expectMatch(m.match('run date 10.0.10.1')).params).toEqual({ cmd: 'date', hosts: '10.0.10.1' });
  });

  it('JSON default', () => {
    const m = new AliasMatcher([alias('ex.run', ["run {{thing={'key': 'value'}}}"])]);
    expect(expectMatch(m.match('run')).params).toEqual({ thing: "{'key': 'value'}" });
  });

  it('key-value parameters', () => {
    const m = new AliasMatcher([alias('ex.remote', ['run {{cmd}} on {{hosts}}'])]);
    expect(expectMatch(m.match('run date on localhost timeout=120')).params).toEqual({
      cmd: 'date',
      hosts: 'localhost',
      timeout: '120',
    });
  });

  it('multiple formats in a single alias', () => {
    const m = new AliasMatcher([
      alias('st2.st2_sensors_list', ['list sensors', 'list sensors from {{ pack }}', 'sensors list']),
    ]);
    const cases: Array<[string, number, Record<string, string>]> = [
      ['sensors list', 2, {}],
      ['list sensors', 0, {}],
      ['sensors list pack=examples', 2, { pack: 'examples' }],
      ['list sensors from examples', 1, { pack: 'examples' }],
      ['list sensors from examples limit=2', 1, { pack: 'examples', limit: '2' }],
    ];
    for (const [command, formatIndex, params] of cases) {
      const r = expectMatch(m.match(command));
      expect([command, r.formatIndex, r.params]).toEqual([command, formatIndex, params]);
    }
  });

  it('format order does not matter: the specific format wins either way', () => {
    for (const formats of [
      ['deploy {{ pack }} to {{ host }}', 'deploy {{ pack }}'],
      ['deploy {{ pack }}', 'deploy {{ pack }} to {{ host }}'],
    ]) {
      const m = new AliasMatcher([alias('ex.deploy', formats)]);
      expect(expectMatch(m.match('deploy st2 to web1')).params).toEqual({ pack: 'st2', host: 'web1' });
      expect(expectMatch(m.match('deploy st2')).params).toEqual({ pack: 'st2' });
    }
  });

  it('display-representation objects mixed with strings', () => {
    const m = new AliasMatcher([
      alias('ex.remote', [
        {
          display: 'run {{cmd}} on {{hosts}}',
          representation: [
            '(run|execute) {{cmd}}( on {{hosts=localhost}})?[!.]?',
            'run remote command {{cmd}} on {{hosts}}',
          ],
        },
        'ssh to hosts {{hosts}} and run command {{cmd}}',
        'OMG st2 just run this command {{cmd}} on ma boxes {{hosts}} already',
      ]),
    ]);
    const remote = expectMatch(m.match('run remote command ls on web1'));
    expect([remote.representationIndex, remote.params]).toEqual([1, { cmd: 'ls', hosts: 'web1' }]);
    expect(expectMatch(m.match('execute uptime!')).params).toEqual({ cmd: 'uptime', hosts: 'localhost' });
    const ssh = expectMatch(m.match('ssh to hosts web1,web2 and run command df -h'));
    expect([ssh.formatIndex, ssh.params]).toEqual([1, { hosts: 'web1,web2', cmd: 'df -h' }]);
    const omg = expectMatch(m.match('OMG st2 just run this command reboot on ma boxes db1 already'));
    expect([omg.formatIndex, omg.params]).toEqual([2, { cmd: 'reboot', hosts: 'db1' }]);
  });
});

describe('AliasMatcher: st2 contrib/packs aliases', () => {
  // st2 contrib/packs/aliases/pack_show.yaml and pack_install.yaml (formats only).
  const packShow = alias('packs.pack_show', [
    {
      display: 'pack show [available] {{ pack }}',
      representation: [
        'pack show {{ pack }}',
        'pack show available {{ pack }}({{ location="available" }}){0}',
      ],
    },
  ]);
  const packInstall = alias('packs.pack_install', [
    { display: 'pack install <pack>[,<pack>]' },
    { display: 'pack install <pack>#<gitref>[,<pack#gitref>]', representation: ['pack install {{packs}}'] },
  ]);
  const m = new AliasMatcher([packShow, packInstall]);

  it('the {0} trick sets a default without matching; the more literal representation wins', () => {
    const r = expectMatch(m.match('pack show available st2'));
    expect(r.representationIndex).toBe(1);
    expect(r.params).toEqual({ pack: 'st2', location: 'available' });
    const plain = expectMatch(m.match('pack show st2'));
    expect(plain.representationIndex).toBe(0);
    expect(plain.params).toEqual({ pack: 'st2' });
  });

  it('a display-only format gives help but the representation matches', () => {
    const r = expectMatch(m.match('pack install st2,aws#v1.0.0'));
    expect(r.alias.ref).toBe('packs.pack_install');
    expect(r.formatIndex).toBe(1);
    expect(r.params).toEqual({ packs: 'st2,aws#v1.0.0' });
  });
});

describe('AliasMatcher: st2 example aliases (compat/st2)', () => {
  // ../shared beside the checkout (as in CI).
  const root = join(import.meta.dirname, '../../../shared/compat/st2');
  const examples = [
    loadAliasYaml(join(root, 'examples/aliases/remote_shell_cmd.yaml'), 'examples'),
    loadAliasYaml(join(root, 'hello_st2/aliases/alias1.yaml'), 'hello_st2'),
  ];
  const m = new AliasMatcher(examples);

  it('remote_shell_cmd', () => {
    const r = expectMatch(m.match('run "uname -a" on web1,web2'));
    expect(r.alias.ref).toBe('examples.remote_shell_cmd');
    expect(r.alias.action_ref).toBe('core.remote');
    expect(r.params).toEqual({ cmd: 'uname -a', hosts: 'web1,web2' });
  });

  it('hello_st2 greet', () => {
    const r = expectMatch(m.match('greet Hello there'));
    expect(r.alias.ref).toBe('hello_st2.greet');
    expect(r.params).toEqual({ greeting: 'Hello there' });
  });
});

describe('AliasMatcher: the index never hides a match', () => {
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const WORDS = ['deploy', 'dep', 'deploy.', 'run', 'pack', 'install', 'to', 'on', 'x', 'é', 'déploy'];
  const PIECES = [...WORDS, '{{a}}', '{{b=1}}', '(run|pack)', '{{c}}', 'in(stall)?', '\\w+', '.'];
  const formats = new Set<string>();
  while (formats.size < 150) {
    const n = Math.floor(rand() * 4);
    const lead = rand() < 0.9 ? pick(WORDS) : pick(['(run|pack)', 'in(stall)?', '{{a}} on']);
    formats.add([lead, ...Array.from({ length: n }, () => pick(PIECES))].join(' '));
  }
  const list = [...formats];
  const indexed = new AliasMatcher(list.map((f, k) => alias(`p${k}.a`, [f])));
  // `(?:)` in front changes nothing in the regex but hides the leading literal: every format is tried.
  const unindexed = new AliasMatcher(list.map((f, k) => alias(`p${k}.a`, [`(?:)${f}`])));

  it('gives the same answer as trying every format, on 1,500 random commands', () => {
    const kinds = new Set<string>();
    const mismatches: unknown[] = [];
    for (let n = 0; n < 1500; n++) {
      const len = 1 + Math.floor(rand() * 5);
      const words = Array.from({ length: len }, () => pick([...WORDS, 'web', 'prod', '"a b"', 'k=v', 'zzz']));
      const command = `${rand() < 0.2 ? '  ' : ''}${words.join(' ')}`;
      const a = indexed.match(command);
      const b = unindexed.match(command);
      kinds.add(a.kind);
      const view = (r: AliasMatchResult) =>
        r.kind === 'match'
          ? [r.kind, r.alias.ref, r.params]
          : r.kind === 'ambiguous'
            ? [r.kind, r.candidates.map((c) => c.alias.ref)]
            : [r.kind];
      if (JSON.stringify(view(a)) !== JSON.stringify(view(b))) mismatches.push([command, view(a), view(b)]);
    }
    expect(mismatches).toEqual([]);
    expect([...kinds].sort()).toEqual(['ambiguous', 'match', 'no_match']);
  });
});
