import { describe, expect, it } from 'vitest';
import { AliasFormatNotAvailableError, parseWithAliasFormat } from '../../aliases/alias-format.ts';
import { matchForCli } from '../../aliases/cli-match.ts';
import { AliasParseError } from '../../aliases/format-parser.ts';
import { alias } from './fixtures.ts';

const aliases = [
  alias('ops.deploy', ['deploy {{app}} to {{env=prod}}']),
  alias('ops.run', ['run {{cmd}} on {{hosts}}']),
  alias('a.ping', ['ping {{host}}']),
  alias('b.ping', ['ping {{target}}']),
  alias('jira.dup', [
    {
      display: 'duplicate of <key>',
      representation: ['(?:\\b|^)duplicate of (?P<key>[A-Z]+-\\d+)(?:\\b|$)'],
      match_multiple: true,
    },
  ]),
];

describe('matchForCli', () => {
  it('a match gives the alias ref, the format index and the params', () => {
    expect(matchForCli(aliases, 'run date on localhost')).toEqual({
      alias: 'ops.run',
      format: 0,
      params: { cmd: 'date', hosts: 'localhost' },
    });
    expect(JSON.parse(JSON.stringify(matchForCli(aliases, 'deploy web to')))).toEqual({
      alias: 'ops.deploy',
      format: 0,
      params: { app: 'web', env: 'prod' },
    });
  });

  it('match_multiple gives a list of param sets', () => {
    expect(matchForCli(aliases, 'x duplicate of A-1 and duplicate of B-2')).toEqual({
      alias: 'jira.dup',
      format: 0,
      params: [{ key: 'A-1' }, { key: 'B-2' }],
    });
  });

  it('with --format, alias is null and the index counts the given formats', () => {
    expect(
      matchForCli([], 'restart nginx now', {
        formats: ['stop {{svc}}', 'restart {{svc}} now', 'restart {{svc}}'],
      }),
    ).toEqual({
      alias: null,
      format: 1,
      params: { svc: 'nginx' },
    });
  });

  it('ambiguous: the st2 message and the tied candidates', () => {
    expect(matchForCli(aliases, 'ping web1')).toEqual({
      error: "Command 'ping web1' matched more than 1 pattern",
      kind: 'ambiguous',
      candidates: ['a.ping: ping {{host}}', 'b.ping: ping {{target}}'],
    });
    expect(matchForCli([], 'ping web1', { formats: ['ping {{a}}', 'ping {{b}}'] })).toEqual({
      error: "Command 'ping web1' matched more than 1 pattern",
      kind: 'ambiguous',
      candidates: ['ping {{a}}', 'ping {{b}}'],
    });
  });

  it('no match: the st2 message and did-you-mean candidates', () => {
    expect(matchForCli(aliases, 'deplyo web to prod')).toEqual({
      error: "Command 'deplyo web to prod' matched no patterns",
      kind: 'no_match',
      candidates: ['deploy {{app}} to {{env=prod}}'],
    });
  });
});

describe('parseWithAliasFormat (POST /v1/aliasexecution)', () => {
  const alias1 = alias('aliases.alias1', ['Lorem ipsum {{param1}} dolor sit {{param2}} amet.']);

  it('parses with one of the alias representations (test_basic_execution)', () => {
    expect(
      parseWithAliasFormat(
        alias1,
        'Lorem ipsum {{param1}} dolor sit {{param2}} amet.',
        'Lorem ipsum value1 dolor sit "value2 value3" amet.',
      ),
    ).toEqual([{ param1: 'value1', param2: 'value2 value3' }]);
  });

  it('refuses a format the alias does not have (test_invalid_format_string_referenced_in_request)', () => {
    expect(() => parseWithAliasFormat(alias1, 'some invalid not supported string', 'x')).toThrow(
      'Format string "some invalid not supported string" is not available on the alias "alias1"',
    );
    expect(() => parseWithAliasFormat(alias1, 'x', 'x')).toThrow(AliasFormatNotAvailableError);
  });

  it('a match_multiple representation gives every match', () => {
    const multi = alias('aliases.m', [
      { display: 'dup', representation: ['(?:\\b|^)dup (?P<k>\\d+)(?:\\b|$)'], match_multiple: true },
    ]);
    expect(parseWithAliasFormat(multi, '(?:\\b|^)dup (?P<k>\\d+)(?:\\b|$)', 'dup 1 and dup 2')).toEqual([
      { k: '1' },
      { k: '2' },
    ]);
  });

  it('a command that does not fit raises the parser error', () => {
    expect(() =>
      parseWithAliasFormat(alias1, 'Lorem ipsum {{param1}} dolor sit {{param2}} amet.', 'nope'),
    ).toThrow(AliasParseError);
  });
});
