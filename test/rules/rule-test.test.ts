import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRuleDefinition, RuleValidationError } from '../../engine/rules/rule-parser.ts';
import { parseTriggerInstance, TriggerInstanceFileError, testRule } from '../../engine/rules/rule-test.ts';

const COMPAT = join(import.meta.dirname, '../../../shared/compat/st2');
const loadYaml = (rel: string) => parse(readFileSync(join(COMPAT, rel), 'utf8'), { version: '1.1' });

describe('parseRuleDefinition', () => {
  it('reads every rule in the st2 compat corpus', () => {
    for (const rel of [
      'chatops/rules/notify_errbot.yaml',
      'chatops/rules/notify_hubot.yaml',
      'examples/rules/notify_inquiry.yaml',
      'examples/rules/sample_rule_with_timer.yaml',
      'examples/rules/notify_slack.yaml',
      'examples/rules/sample_rule_file_watch.yaml',
      'examples/rules/sample_rule_with_webhook.yaml',
      'examples/rules/sample_rule_with_actiontrigger.yaml',
      'hello_st2/rules/rule1.yaml',
    ]) {
      const pack = rel.split('/')[0]!;
      const def = parseRuleDefinition(loadYaml(rel), { file: rel, pack });
      expect(def.ref).toBe(`${pack}.${def.name}`);
      expect(def.metadata_file).toBe(rel);
    }
    const webhook = parseRuleDefinition(loadYaml('examples/rules/sample_rule_with_webhook.yaml'));
    expect(webhook).toMatchObject({
      ref: 'examples.sample_rule_with_webhook',
      enabled: true,
      trigger: { type: 'core.st2.webhook', parameters: { url: 'sample' } },
      criteria: { 'trigger.body.name': { type: 'equals', pattern: 'st2' } },
      action: { ref: 'core.local' },
    });
  });

  it('defaults enabled to false as st2 does, and reads type and run_as', () => {
    const def = parseRuleDefinition({
      name: 'r',
      pack: 'p',
      trigger: { type: 't.x' },
      action: { ref: 'core.noop' },
      type: { ref: 'backstop' },
      run_as: 'ann',
    });
    expect(def.enabled).toBe(false);
    expect(def.type).toEqual({ ref: 'backstop' });
    expect(def.run_as).toBe('ann');
  });

  it('names the bad field', () => {
    const base = { name: 'r', pack: 'p', trigger: { type: 't.x' }, action: { ref: 'core.noop' } };
    const field = (doc: unknown) => {
      try {
        parseRuleDefinition(doc, { file: 'rules/r.yaml' });
      } catch (err) {
        expect(err).toBeInstanceOf(RuleValidationError);
        expect((err as Error).message.startsWith('rules/r.yaml: ')).toBe(true);
        return (err as RuleValidationError).field;
      }
      return 'no error';
    };
    expect(field({ ...base, name: undefined })).toBe('name');
    expect(field({ ...base, trigger: undefined })).toBe('trigger');
    expect(field({ ...base, trigger: { parameters: {} } })).toBe('trigger.type');
    expect(field({ ...base, action: { parameters: {} } })).toBe('action.ref');
    expect(field({ ...base, enabled: 'yes' })).toBe('enabled');
    expect(field({ ...base, criteria: { 'trigger.a': { pattern: 1 } } })).toBe('criteria.trigger.a.type');
    expect(field({ ...base, criteria: { 'trigger.a': { type: 'sorta', pattern: 1 } } })).toBe(
      'criteria.trigger.a.type',
    );
    expect(field({ ...base, criteria: { 'trigger.a': { type: 'search', pattern: {} } } })).toBe(
      'criteria.trigger.a.condition',
    );
    expect(
      field({
        ...base,
        criteria: {
          'trigger.a': { type: 'search', condition: 'any', pattern: { 'item.x': { type: 'nope' } } },
        },
      }),
    ).toBe('criteria.trigger.a.pattern.item.x.type');
    expect(field({ ...base, type: { ref: 'weird' } })).toBe('type');
    expect(field([1])).toBe('(document)');
    expect(field(base)).toBe('no error');
  });
});

describe('parseTriggerInstance', () => {
  it('accepts the short form and st2 trigger-instance shapes', () => {
    expect(parseTriggerInstance({ trigger: 'core.st2.webhook', payload: { a: 1 } })).toMatchObject({
      trigger: 'core.st2.webhook',
      payload: { a: 1 },
    });
    expect(
      parseTriggerInstance({
        id: 'abc',
        trigger: 'x.y',
        payload: {},
        occurrence_time: '2020-01-01T00:00:00Z',
        status: 'processed',
      }),
    ).toMatchObject({ id: 'abc', trigger: 'x.y', occurrence_time: '2020-01-01T00:00:00Z' });
    expect(
      parseTriggerInstance({
        trigger: { ref: 'core.1234', type: 'core.st2.webhook', parameters: { url: 'u' } },
        payload: {},
      }),
    ).toMatchObject({
      trigger: 'core.st2.webhook',
      trigger_parameters: { url: 'u' },
    });
    expect(parseTriggerInstance({ trigger: { ref: 'hello_st2.event1' } }).trigger).toBe('hello_st2.event1');
  });

  it('rejects a document without a trigger or with a non-object payload', () => {
    expect(() => parseTriggerInstance({ payload: {} })).toThrow(TriggerInstanceFileError);
    expect(() => parseTriggerInstance({ trigger: 'a.b', payload: [1] })).toThrow(
      'trigger instance field "payload"',
    );
  });
});

describe('testRule', () => {
  const webhookRule = () => loadYaml('examples/rules/sample_rule_with_webhook.yaml');

  it('matches and renders the action parameters', () => {
    const r = testRule(webhookRule(), {
      trigger: 'core.st2.webhook',
      payload: { body: { name: 'st2' }, headers: {} },
    });
    expect(r.matched).toBe(true);
    expect(r.trigger).toEqual({ rule: 'core.st2.webhook', instance: 'core.st2.webhook', matches: true });
    expect(r.criteria).toEqual([
      {
        key: 'trigger.body.name',
        path: 'trigger.body.name',
        operator: 'equals',
        pattern: 'st2',
        rendered_pattern: 'st2',
        value: 'st2',
        result: true,
      },
    ]);
    expect(r.action).toEqual({
      ref: 'core.local',
      parameters: { cmd: `echo "{'name': 'st2'}" >> ~/st2.webhook_sample.out ; sync` },
    });
  });

  it('explains a criterion that did not hold', () => {
    const r = testRule(webhookRule(), { trigger: 'core.st2.webhook', payload: { body: { name: 'other' } } });
    expect(r.matched).toBe(false);
    expect(r.criteria[0]).toMatchObject({ value: 'other', result: false });
    expect(r.action).toBeUndefined();
  });

  it('a different trigger type does not match, whatever the criteria say', () => {
    const r = testRule(webhookRule(), {
      trigger: 'core.st2.IntervalTimer',
      payload: { body: { name: 'st2' } },
    });
    expect(r.matched).toBe(false);
    expect(r.trigger.matches).toBe(false);
  });

  it('tests disabled rules as if enabled (st2-rule-tester)', () => {
    const r = testRule(loadYaml('examples/rules/sample_rule_with_timer.yaml'), {
      trigger: 'core.st2.IntervalTimer',
      payload: { executed_at: '2020-01-01 00:00:00', schedule: null },
    });
    expect(r.matched).toBe(true);
    expect(r.action?.parameters).toEqual({ cmd: 'echo "2020-01-01 00:00:00"' });
  });

  it('reports failure reasons and render errors', () => {
    const r = testRule(
      {
        name: 'r',
        trigger: { type: 'x.y' },
        criteria: { 'trigger.n': { type: 'gt', pattern: 1 } },
        action: { ref: 'core.noop' },
      },
      { trigger: 'x.y', payload: { n: 'a' } },
    );
    expect(r.rule).toBe('unknown.r');
    expect(r.failure_reasons[0]).toContain("'>' not supported between instances of 'str' and 'int'");
    expect(r.criteria[0]!.error).toBe("'>' not supported between instances of 'str' and 'int'");

    const bad = testRule(
      {
        name: 'r',
        trigger: { type: 'x.y' },
        action: { ref: 'core.noop', parameters: { a: '{{ trigger.no.such }}' } },
      },
      { trigger: 'x.y', payload: { n: 1 } },
    );
    expect(bad.matched).toBe(true);
    expect(bad.action?.error).toMatch(/^Failed to render parameter "a": /);
  });

  it('throws RuleValidationError for an invalid rule', () => {
    expect(() => testRule({ name: 'r', action: { ref: 'a.b' } }, { trigger: 'x.y', payload: {} })).toThrow(
      RuleValidationError,
    );
  });
});
