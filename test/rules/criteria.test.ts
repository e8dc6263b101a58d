import { describe, expect, it } from 'vitest';
import type { CriterionSpec } from '../../engine/model/rule.ts';
import { evaluateCriteria, explainCriteria } from '../../engine/rules/criteria.ts';

const rule = (criteria: Record<string, CriterionSpec>, enabled = true) => ({
  ref: 'examples.r1',
  criteria,
  enabled,
});
const run = (criteria: Record<string, CriterionSpec>, payload: unknown, st2kv?: Record<string, unknown>) =>
  evaluateCriteria(rule(criteria), payload, { instanceId: 'ti-1', st2kv });
const PREFIX = 'Failed to match rule "examples.r1" against trigger instance "ti-1": ';

describe('criteria keys', () => {
  const payload = {
    body: { status: 'ok', count: 5, items: [{ name: 'a' }, { name: 'b' }], nested: { deep: { name: 'x' } } },
    headers: { 'X-Token': 'tok', 'Content-Type': 'json' },
    flag: false,
  };

  it('dotted paths, indexes, quoted and bracketed fields', () => {
    expect(run({ 'trigger.body.status': { type: 'equals', pattern: 'ok' } }, payload).matched).toBe(true);
    expect(run({ 'trigger.body.items[1].name': { type: 'equals', pattern: 'b' } }, payload).matched).toBe(
      true,
    );
    expect(run({ "trigger.headers['X-Token']": { type: 'equals', pattern: 'tok' } }, payload).matched).toBe(
      true,
    );
    expect(
      run({ 'trigger.headers.Content-Type': { type: 'equals', pattern: 'json' } }, payload).matched,
    ).toBe(true);
    expect(run({ 'trigger.headers."X-Token"': { type: 'equals', pattern: 'tok' } }, payload).matched).toBe(
      true,
    );
    expect(run({ '$.trigger.body.count': { type: 'gt', pattern: 4 } }, payload).matched).toBe(true);
  });

  it('wildcards and descendants take the first match', () => {
    expect(run({ 'trigger.body.items[*].name': { type: 'equals', pattern: 'a' } }, payload).matched).toBe(
      true,
    );
    expect(run({ 'trigger.body.items[*].name': { type: 'equals', pattern: 'b' } }, payload).matched).toBe(
      false,
    );
    expect(run({ 'trigger.body..deep.name': { type: 'equals', pattern: 'x' } }, payload).matched).toBe(true);
  });

  it('a missing key is null (exists/nexists), false stays a value', () => {
    expect(run({ 'trigger.body.missing': { type: 'nexists' } }, payload).matched).toBe(true);
    expect(run({ 'trigger.body.missing.deeper': { type: 'exists' } }, payload).matched).toBe(false);
    expect(run({ 'trigger.flag': { type: 'exists' } }, payload).matched).toBe(true);
    expect(run({ 'trigger.flag': { type: 'equals', pattern: false } }, payload).matched).toBe(true);
  });

  it('#suffix tests one field several times', () => {
    const c = {
      'trigger.body.count#1': { type: 'gt', pattern: 3 },
      'trigger.body.count#2': { type: 'lt', pattern: 10 },
    };
    expect(run(c, payload).matched).toBe(true);
    expect(run(c, { body: { count: 12 } }).matched).toBe(false);
  });

  it('a lookup error is a failure with st2 wording', () => {
    const r = run({ 'trigger.body[0]': { type: 'exists' } }, payload);
    expect(r.matched).toBe(false);
    expect(r.failures).toEqual([`${PREFIX}Failed transforming criteria key trigger.body[0]: 0`]);
    const p = run({ 'trigger.0': { type: 'exists' } }, payload);
    expect(p.failures[0]).toMatch(
      /^Failed to match rule .*: Failed transforming criteria key trigger\.0: Parse error/,
    );
  });
});

describe('criteria evaluation', () => {
  it('ANDs criteria in order and stops at the first false one', () => {
    const c = {
      'trigger.a': { type: 'equals', pattern: 1 },
      'trigger.b': { type: 'lt', pattern: 5 }, // would raise on a string
    };
    expect(run(c, { a: 2, b: 'x' })).toEqual({ matched: false, failures: [] });
    const r = run(c, { a: 1, b: 'x' });
    expect(r.matched).toBe(false);
    expect(r.failures).toEqual([
      `${PREFIX}There might be a problem with the criteria in rule examples.r1: '<' not supported between instances of 'str' and 'int'`,
    ]);
  });

  it('a criterion without type is false without a failure', () => {
    expect(run({ 'trigger.a': { pattern: 1 } as unknown as CriterionSpec }, { a: 1 })).toEqual({
      matched: false,
      failures: [],
    });
  });

  it('an unknown operator is a failure naming it', () => {
    const r = run({ 'trigger.a': { type: 'bogus', pattern: 1 } }, { a: 1 });
    expect(r.matched).toBe(false);
    expect(r.failures[0]).toBe(
      `${PREFIX}There might be a problem with the criteria in rule examples.r1: Invalid operator: bogus`,
    );
  });

  it('criteria and an empty payload never match; no criteria always match', () => {
    expect(run({ 'trigger.a': { type: 'nexists' } }, {}).matched).toBe(false);
    expect(run({ 'trigger.a': { type: 'nexists' } }, null).matched).toBe(false);
    expect(run({}, {}).matched).toBe(true);
  });

  it('disabled rules never match', () => {
    expect(evaluateCriteria(rule({}, false), { a: 1 }).matched).toBe(false);
  });

  it('operator names are case-insensitive', () => {
    expect(run({ 'trigger.a': { type: 'EQUALS', pattern: 'x' } }, { a: 'x' }).matched).toBe(true);
  });

  it('Python equality: no coercion', () => {
    expect(run({ 'trigger.a': { type: 'equals', pattern: '1' } }, { a: 1 }).matched).toBe(false);
    expect(
      run({ 'trigger.a': { type: 'equals', pattern: [1, { b: 2 }] } }, { a: [1, { b: 2 }] }).matched,
    ).toBe(true);
  });
});

describe('pattern rendering', () => {
  it('{{ expr }} keeps the native type (to_complex)', () => {
    expect(run({ 'trigger.a': { type: 'equals', pattern: '{{ trigger.b }}' } }, { a: 5, b: 5 }).matched).toBe(
      true,
    );
    expect(
      run({ 'trigger.a': { type: 'equals', pattern: '{{ trigger.b }}' } }, { a: '5', b: 5 }).matched,
    ).toBe(false);
    expect(
      run(
        { 'trigger.a': { type: 'inside', pattern: '{{ trigger.allowed }}' } },
        { a: 'x', allowed: ['x', 'y'] },
      ).matched,
    ).toBe(true);
    expect(
      run({ 'trigger.a': { type: 'equals', pattern: '{{ trigger.b }}' } }, { a: '007', b: '007' }).matched,
    ).toBe(true);
  });

  it('like st2, the to_complex rendering is JSON-decoded when it can be (lists, numbers from mixed text)', () => {
    const inList = { 'trigger.v': { type: 'inside', pattern: '[{{ trigger.a }}, {{ trigger.b }}]' } };
    expect(run(inList, { v: 2, a: 1, b: 2 }).matched).toBe(true);
    expect(run(inList, { v: 3, a: 1, b: 2 }).matched).toBe(false);
    expect(
      run({ 'trigger.v': { type: 'equals', pattern: '{{ trigger.n }}0' } }, { v: 50, n: 5 }).matched,
    ).toBe(true);
    expect(
      run({ 'trigger.v': { type: 'equals', pattern: '{{ trigger.n }}0' } }, { v: '50', n: 5 }).matched,
    ).toBe(false);
    // not JSON once rendered: the plain string rendering is used
    expect(
      run(
        { 'trigger.v': { type: 'equals', pattern: '{{ trigger.a }}-{{ trigger.b }}' } },
        { v: 'x-y', a: 'x', b: 'y' },
      ).matched,
    ).toBe(true);
  });

  it('mixed text renders to a string', () => {
    expect(
      run({ 'trigger.a': { type: 'equals', pattern: 'host-{{ trigger.n }}' } }, { a: 'host-3', n: 3 })
        .matched,
    ).toBe(true);
  });

  it('st2kv values are available in patterns and as lookups', () => {
    const kv = { system: { threshold: 10, env: 'prod' } };
    expect(
      run({ 'trigger.v': { type: 'gt', pattern: '{{ st2kv.system.threshold }}' } }, { v: 11 }, kv).matched,
    ).toBe(true);
    expect(
      run({ 'trigger.v': { type: 'gt', pattern: '{{ st2kv.system.threshold }}' } }, { v: 9 }, kv).matched,
    ).toBe(false);
    expect(run({ 'system.env': { type: 'equals', pattern: 'prod' } }, { v: 1 }, kv).matched).toBe(true);
  });

  it('a render error is a failure with st2 wording', () => {
    const r = run({ 'trigger.a': { type: 'equals', pattern: '{{ trigger.nope.deeper }}' } }, { a: 1 });
    expect(r.matched).toBe(false);
    expect(r.failures).toHaveLength(1);
    expect(
      r.failures[0]!.startsWith(
        `${PREFIX}Failed to render pattern value "{{ trigger.nope.deeper }}" for key "trigger.a": `,
      ),
    ).toBe(true);
  });

  it('a plain string pattern loses one trailing newline, as Jinja renders it', () => {
    expect(run({ 'trigger.a': { type: 'equals', pattern: 'abc\n' } }, { a: 'abc' }).matched).toBe(true);
  });

  it('payload values are never rendered', () => {
    expect(
      run({ 'trigger.a': { type: 'equals', pattern: '{{ trigger.b }}' } }, { a: '{{ 7*7 }}', b: '{{ 7*7 }}' })
        .matched,
    ).toBe(true);
    expect(run({ 'trigger.a': { type: 'equals', pattern: '49' } }, { a: '{{ 7*7 }}' }).matched).toBe(false);
  });
});

describe('search criteria', () => {
  const payload = {
    issue_fields: [
      { field_name: 'Status', to_value: 'Approved' },
      { field_name: 'Assigned to', to_value: 'Stanley' },
    ],
  };
  const pattern = {
    'item.field_name': { type: 'equals', pattern: 'Status' },
    'item.to_value': { type: 'equals', pattern: 'Approved' },
  };

  it('any / all over list items', () => {
    expect(
      run({ 'trigger.issue_fields': { type: 'search', condition: 'any', pattern } }, payload).matched,
    ).toBe(true);
    expect(
      run({ 'trigger.issue_fields': { type: 'search', condition: 'all', pattern } }, payload).matched,
    ).toBe(false);
    expect(
      run(
        {
          'trigger.issue_fields': {
            type: 'search',
            condition: 'all2any',
            pattern: {
              'item.to_value#1': { type: 'equals', pattern: 'Approved' },
              'item.to_value#2': { type: 'equals', pattern: 'Stanley' },
            },
          },
        },
        payload,
      ).matched,
    ).toBe(true);
  });

  it('sub-criterion errors are recorded even though search goes on', () => {
    const r = run(
      {
        'trigger.issue_fields': {
          type: 'search',
          condition: 'any2any',
          pattern: {
            'item.to_value': { type: 'lt', pattern: 3 },
            'item.field_name': { type: 'equals', pattern: 'Status' },
          },
        },
      },
      payload,
    );
    expect(r.matched).toBe(true);
    expect(r.failures).toHaveLength(2);
    expect(r.failures[0]).toContain("'<' not supported between instances of 'str' and 'int'");
  });

  it('an unknown condition is a failure', () => {
    const r = run({ 'trigger.issue_fields': { type: 'search', condition: 'some', pattern } }, payload);
    expect(r.matched).toBe(false);
    expect(r.failures[0]).toContain("The 'some' condition is not recognized for type search");
  });
});

describe('explainCriteria', () => {
  it('explains every criterion, including those after a false one', () => {
    const rows = explainCriteria(
      {
        ref: 'examples.r1',
        criteria: {
          'trigger.a#x': { type: 'equals', pattern: '{{ trigger.b }}' },
          'trigger.c': { type: 'lt', pattern: 3 },
          'trigger.d': { type: 'regex', pattern: '^h' },
        },
      },
      { a: 1, b: 2, c: 'x', d: 'hello' },
    );
    expect(rows).toEqual([
      {
        key: 'trigger.a#x',
        path: 'trigger.a',
        operator: 'equals',
        pattern: '{{ trigger.b }}',
        rendered_pattern: 2,
        value: 1,
        result: false,
      },
      {
        key: 'trigger.c',
        path: 'trigger.c',
        operator: 'lt',
        pattern: 3,
        rendered_pattern: 3,
        value: 'x',
        result: false,
        error: "'<' not supported between instances of 'str' and 'int'",
      },
      {
        key: 'trigger.d',
        path: 'trigger.d',
        operator: 'regex',
        pattern: '^h',
        rendered_pattern: '^h',
        value: 'hello',
        result: true,
      },
    ]);
  });
});
