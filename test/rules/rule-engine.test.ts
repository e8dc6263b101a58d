import { describe, expect, it } from 'vitest';
import type { CriterionSpec, RuleDefinition } from '../../engine/model/rule.ts';
import type { TriggerInstance } from '../../engine/model/trigger.ts';
import { matchRulesLinear, RuleEngine, type RuleMatch } from '../../engine/rules/rule-engine.ts';

let seq = 0;
function rule(
  partial: Partial<RuleDefinition> & { criteria?: Record<string, CriterionSpec> },
): RuleDefinition {
  const name = partial.name ?? `r${++seq}`;
  return {
    ref: `test.${name}`,
    name,
    pack: 'test',
    enabled: true,
    trigger: { type: 'core.st2.webhook', parameters: { url: 'sample' } },
    criteria: {},
    action: { ref: 'core.noop' },
    metadata_file: '',
    ...partial,
  };
}

function instance(payload: Record<string, unknown>, partial: Partial<TriggerInstance> = {}): TriggerInstance {
  return {
    id: `ti-${++seq}`,
    trigger: 'core.st2.webhook',
    trigger_parameters: { url: 'sample' },
    payload,
    occurrence_time: new Date(0).toISOString(),
    status: 'processing',
    ...partial,
  };
}

const summary = (ms: RuleMatch[]) =>
  ms.map((m) => ({ ref: m.rule.ref, matched: m.matched, failures: m.failure_reasons ?? [] }));

describe('RuleEngine', () => {
  it('selects rules by trigger type and trigger parameters', () => {
    const sample = rule({ name: 'sample' });
    const other = rule({
      name: 'other',
      trigger: { type: 'core.st2.webhook', parameters: { url: 'other' } },
    });
    const timer = rule({
      name: 'timer',
      trigger: { type: 'core.st2.IntervalTimer', parameters: { unit: 'seconds', delta: 5 } },
    });
    const engine = new RuleEngine([sample, other, timer]);
    expect(summary(engine.match(instance({ body: {} })))).toEqual([
      { ref: 'test.sample', matched: true, failures: [] },
    ]);
    expect(
      engine.match(instance({ body: {} }, { trigger_parameters: { url: 'other' } })).map((m) => m.rule.ref),
    ).toEqual(['test.other']);
    expect(engine.match(instance({ body: {} }, { trigger_parameters: { url: 'nope' } }))).toEqual([]);
    expect(
      engine
        .match(
          instance(
            { executed_at: 'x' },
            { trigger: 'core.st2.IntervalTimer', trigger_parameters: { delta: 5, unit: 'seconds' } },
          ),
        )
        .map((m) => m.rule.ref),
    ).toEqual(['test.timer']);
  });

  it('webhook urls match without leading/trailing slashes, as st2 normalizes them', () => {
    const engine = new RuleEngine([
      rule({ name: 'slashed', trigger: { type: 'core.st2.webhook', parameters: { url: '/sample/' } } }),
    ]);
    expect(
      engine.match(instance({ body: {} }, { trigger_parameters: { url: 'sample' } })).map((m) => m.rule.name),
    ).toEqual(['slashed']);
    expect(
      engine
        .match(instance({ body: {} }, { trigger_parameters: { url: '/sample' } }))
        .map((m) => m.rule.name),
    ).toEqual(['slashed']);
  });

  it('rules without parameters match instances without parameters ({} and absent are the same)', () => {
    const r = rule({ trigger: { type: 'core.st2.generic.actiontrigger', parameters: {} } });
    const engine = new RuleEngine([r]);
    expect(
      engine.match(
        instance(
          { status: 'failed' },
          { trigger: 'core.st2.generic.actiontrigger', trigger_parameters: undefined },
        ),
      ),
    ).toHaveLength(1);
  });

  it('never matches disabled rules', () => {
    const engine = new RuleEngine([rule({ enabled: false })]);
    expect(engine.match(instance({ body: {} }))).toEqual([]);
  });

  it('reports criteria failures of rules that did not match', () => {
    const r = rule({ criteria: { 'trigger.body.n': { type: 'gt', pattern: 3 } } });
    const engine = new RuleEngine([r]);
    const ti = instance({ body: { n: 'five' } });
    const [m] = engine.match(ti);
    expect(m?.matched).toBe(false);
    expect(m?.failure_reason).toBe(
      `Failed to match rule "${r.ref}" against trigger instance "${ti.id}": There might be a problem with the criteria in rule ${r.ref}: '>' not supported between instances of 'str' and 'int'`,
    );
  });

  it('backstop rules fire only when no standard rule matched', () => {
    const standard = rule({
      name: 'std',
      criteria: { 'trigger.body.kind': { type: 'equals', pattern: 'known' } },
    });
    const backstop = rule({ name: 'catchall', type: { ref: 'backstop' } });
    const engine = new RuleEngine([backstop, standard]);
    expect(engine.match(instance({ body: { kind: 'known' } })).map((m) => m.rule.ref)).toEqual(['test.std']);
    expect(engine.match(instance({ body: { kind: 'other' } })).map((m) => m.rule.ref)).toEqual([
      'test.catchall',
    ]);
  });

  it('equals index follows Python equality (1 == 1.0 == True, "1" != 1)', () => {
    const one = rule({ name: 'one', criteria: { 'trigger.v': { type: 'eq', pattern: 1 } } });
    const str = rule({ name: 'str', criteria: { 'trigger.v': { type: 'equals', pattern: '1' } } });
    const tru = rule({ name: 'tru', criteria: { 'trigger.v': { type: 'Equals', pattern: true } } });
    const engine = new RuleEngine([one, str, tru]);
    expect(engine.match(instance({ v: 1 })).map((m) => m.rule.name)).toEqual(['one', 'tru']);
    expect(engine.match(instance({ v: '1' })).map((m) => m.rule.name)).toEqual(['str']);
    expect(engine.match(instance({ v: true })).map((m) => m.rule.name)).toEqual(['one', 'tru']);
    expect(engine.match(instance({ v: [1] }))).toEqual([]);
  });

  it('a criterion that raises before an equals is still evaluated (its failure is recorded)', () => {
    const r = rule({
      name: 'raises',
      criteria: { 'trigger.n': { type: 'gt', pattern: 1 }, 'trigger.kind': { type: 'equals', pattern: 'x' } },
    });
    const safe = rule({
      name: 'safe',
      criteria: { 'trigger.n': { type: 'exists' }, 'trigger.kind': { type: 'equals', pattern: 'x' } },
    });
    const engine = new RuleEngine([r, safe]);
    const out = summary(engine.match(instance({ n: 'str', kind: 'y' })));
    expect(out.map((m) => [m.ref, m.matched, m.failures.length])).toEqual([['test.raises', false, 1]]);
    expect(engine.match(instance({ n: 2, kind: 'x' })).map((m) => m.rule.name)).toEqual(['raises', 'safe']);
  });

  it('keeps rule order when indexed and unindexed rules both match', () => {
    const rules = [
      rule({ name: 'a', criteria: { 'trigger.x': { type: 'equals', pattern: 'k' } } }),
      rule({ name: 'b', criteria: { 'trigger.x': { type: 'regex', pattern: 'k' } } }),
      rule({ name: 'c', criteria: { 'trigger.y': { type: 'equals', pattern: 2 } } }),
      rule({ name: 'd', criteria: { 'trigger.x': { type: 'equals', pattern: 'k' } } }),
    ];
    expect(new RuleEngine(rules).match(instance({ x: 'k', y: 2 })).map((m) => m.rule.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('setRules replaces the rule set', () => {
    const engine = new RuleEngine([rule({ name: 'first' })]);
    engine.setRules([rule({ name: 'second' })]);
    expect(engine.match(instance({ body: {} })).map((m) => m.rule.name)).toEqual(['second']);
    expect(engine.getRules().map((r) => r.name)).toEqual(['second']);
  });
});

// ---- randomized comparison with a full scan -------------------------------------------------------------

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RuleEngine index equals a brute-force scan', () => {
  const rand = prng(20241122);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const values = [
    'a',
    'b',
    'A',
    '1',
    1,
    1.0,
    2,
    0,
    true,
    false,
    null,
    ['a'],
    { k: 'a' },
    'ab',
    'ba',
  ] as const;
  const keys = [
    'trigger.k0',
    'trigger.k1',
    'trigger.nested.k2',
    'trigger.k0#2',
    'trigger.list[0]',
    "trigger['k1']",
  ];
  const types = ['t.one', 't.two', 't.three'];
  const params = [undefined, {}, { url: 'a' }, { url: 'b' }];

  const randomCriterion = (): CriterionSpec => {
    const kind = rand();
    if (kind < 0.45) return { type: pick(['equals', 'eq', 'EQUALS']), pattern: pick(values) };
    if (kind < 0.55)
      return {
        type: 'equals',
        pattern: pick(['{{ trigger.k1 }}', 'x{{ trigger.k0 }}', '{{ trigger.missing.x }}']),
      };
    return pick<CriterionSpec>([
      { type: 'regex', pattern: pick(['^a', 'b$', 'a|1']) },
      { type: 'gt', pattern: pick([0, 1, 'a']) },
      { type: 'contains', pattern: pick(['a', 1]) },
      { type: 'exists' },
      { type: 'nexists' },
      { type: 'nequals', pattern: pick(values) },
      { type: 'NEQ', pattern: pick(values) },
      { type: 'exists' },
      { type: 'inside', pattern: ['a', 1, true] },
      { type: 'iequals', pattern: 'a' },
      { type: 'bogus', pattern: 1 },
    ]);
  };

  const rules: RuleDefinition[] = [];
  for (let i = 0; i < 300; i++) {
    const criteria: Record<string, CriterionSpec> = {};
    const n = Math.floor(rand() * 5);
    for (let j = 0; j < n; j++) criteria[pick(keys)] = randomCriterion();
    rules.push(
      rule({
        name: `rand${i}`,
        enabled: rand() > 0.1,
        type: rand() < 0.1 ? { ref: 'backstop' } : undefined,
        trigger: { type: pick(types), parameters: pick(params) },
        criteria,
      }),
    );
  }

  const randomPayload = (): Record<string, unknown> => {
    const p: Record<string, unknown> = {};
    if (rand() < 0.9) p.k0 = pick(values);
    if (rand() < 0.7) p.k1 = pick(values);
    if (rand() < 0.5) p.nested = rand() < 0.8 ? { k2: pick(values) } : pick(values);
    if (rand() < 0.4) p.list = rand() < 0.8 ? [pick(values)] : pick(values);
    return p;
  };

  it('gives the same matches and failures for 2,000 random events', () => {
    const engine = new RuleEngine(rules);
    let matchedCount = 0;
    let failureCount = 0;
    for (let i = 0; i < 2000; i++) {
      const ti = instance(randomPayload(), { trigger: pick(types), trigger_parameters: pick(params) });
      const indexed = summary(engine.match(ti));
      const scanned = summary(matchRulesLinear(rules, ti));
      expect(indexed).toEqual(scanned);
      matchedCount += indexed.filter((m) => m.matched).length;
      failureCount += indexed.filter((m) => m.failures.length).length;
    }
    // The random set must exercise both outcomes, or the comparison proves little.
    expect(matchedCount).toBeGreaterThan(100);
    expect(failureCount).toBeGreaterThan(50);
  });
});
