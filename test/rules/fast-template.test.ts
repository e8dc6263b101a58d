import { describe, expect, it } from 'vitest';
import { renderValue, shellQuoteLeaves } from '../../engine/expressions/index.ts';
import { FALLBACK, renderFast } from '../../engine/rules/fast-template.ts';

const data = {
  trigger: {
    s: 'hello world',
    q: "it's; rm -rf /",
    n: 42,
    neg: -7,
    f: 1.5,
    big: 1e16,
    t: true,
    z: null,
    list: [1, 'a'],
    obj: { k: 'v', items: 'x', keys: 'y' },
    tpl: '{{ 7*7 }}',
  },
  st2kv: { system: { k: 'kv-value' } },
};

const templates = [
  '{{ trigger.s }}',
  '  {{ trigger.s }} ',
  '{{trigger.n}}',
  'n={{ trigger.n }} neg={{ trigger.neg }}',
  '{{ trigger.f }}',
  'f={{ trigger.f }}',
  'big={{ trigger.big }}',
  '{{ trigger.t }}',
  'flag {{ trigger.t }}',
  '{{ trigger.z }}',
  'z={{ trigger.z }}',
  '{{ trigger.list }}',
  'l={{ trigger.list }}',
  '{{ trigger.obj }}',
  '{{ trigger.obj.k }}',
  '{{ trigger.obj.items }}',
  'k={{ trigger.obj.keys }}',
  '{{ trigger.tpl }}',
  'x{{ trigger.tpl }}y',
  '{{ st2kv.system.k }}/{{ trigger.s }}',
  '{{ trigger.s | upper }}',
  '{{ trigger.s }}\n',
  'a\r\nb {{ trigger.s }}',
  '{{- trigger.s }}',
  '{# c #}{{ trigger.s }}',
  '{% if trigger.t %}{{ trigger.s }}{% endif %}',
  'echo "{{ trigger.q }}" {{ trigger.n }}',
];

describe('renderFast', () => {
  it('whenever it answers, it answers exactly what renderValue answers', () => {
    let answered = 0;
    for (const t of templates) {
      const fast = renderFast(t, data);
      if (fast === FALLBACK) continue;
      answered++;
      expect(fast, t).toEqual(renderValue(t, data, { strictUndefined: true }));
    }
    expect(answered).toBeGreaterThan(8);
  });

  it('with shell quoting it equals rendering against shell-quoted trigger leaves', () => {
    const quoted = { ...data, trigger: shellQuoteLeaves(data.trigger) as Record<string, unknown> };
    let answered = 0;
    for (const t of templates) {
      const fast = renderFast(t, data, { quoteRoot: 'trigger' });
      if (fast === FALLBACK) continue;
      answered++;
      expect(fast, t).toEqual(renderValue(t, quoted, { strictUndefined: true }));
    }
    expect(answered).toBeGreaterThan(8);
    expect(renderFast('echo {{ trigger.q }}', data, { quoteRoot: 'trigger' })).toBe(
      `echo 'it'\\''s; rm -rf /'`,
    );
  });

  it('singleOnly answers only for a lone {{ path }}', () => {
    expect(renderFast(' {{ trigger.n }} ', data, { singleOnly: true })).toBe(42);
    expect(renderFast('{{ trigger.n }}0', data, { singleOnly: true })).toBe(FALLBACK);
  });

  it('leaves missing values, None, floats, collections and dict-method names to the real renderer', () => {
    for (const t of [
      '{{ trigger.missing }}',
      '{{ trigger.z }}',
      'f={{ trigger.f }}',
      '{{ trigger.list }}',
      '{{ trigger.obj.items }}',
      '{{ nope }}',
    ]) {
      expect(renderFast(t, data), t).toBe(FALLBACK);
    }
  });
});
