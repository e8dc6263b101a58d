import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../engine/model/action.ts';
import type { RuleDefinition } from '../../engine/model/rule.ts';
import {
  ParameterRenderError,
  renderRuleActionParameters,
  untrustedRuleParameters,
} from '../../engine/rules/action-parameters.ts';

function action(runner_type: string): ActionDefinition {
  return {
    ref: 'core.local',
    name: 'local',
    pack: 'core',
    enabled: true,
    runner_type,
    parameters: { cmd: { type: 'string', required: true } },
    metadata_file: '/packs/core/actions/local.yaml',
    pack_path: '/packs/core',
  };
}

const rule = (parameters: Record<string, unknown>): Pick<RuleDefinition, 'action'> => ({
  action: { ref: 'core.local', parameters },
});

describe('renderRuleActionParameters', () => {
  it('renders templates with trigger and st2kv, keeps native types and plain values', () => {
    const out = renderRuleActionParameters(
      rule({
        count: '{{ trigger.body.count }}',
        tags: '{{ trigger.body.tags }}',
        message: 'build {{ trigger.body.id }} is {{ trigger.body.status }}',
        channel: '#{{ st2kv.system.channel }}',
        legacy: '{{ system.channel }}',
        fixed: 'plain text',
        nested: { who: '{{ trigger.body.user }}', list: ['{{ trigger.body.count }}', 3] },
        n: 7,
      }),
      { payload: { body: { count: 3, tags: ['a', 'b'], id: 42, status: 'ok', user: 'ann' } } },
      { st2kv: { system: { channel: 'ops' } } },
    );
    expect(out).toEqual({
      count: 3,
      tags: ['a', 'b'],
      message: 'build 42 is ok',
      channel: '#ops',
      legacy: 'ops',
      fixed: 'plain text',
      nested: { who: 'ann', list: [3, 3] },
      n: 7,
    });
  });

  it('extra variables are visible, trigger cannot be overridden by them', () => {
    const out = renderRuleActionParameters(
      rule({ a: '{{ config_context.token_name }}', b: '{{ trigger.x }}' }),
      { payload: { x: 'real' } },
      { extra: { config_context: { token_name: 'T' }, trigger: { x: 'fake' } } },
    );
    expect(out).toEqual({ a: 'T', b: 'real' });
  });

  it('never renders payload text as a template', () => {
    const out = renderRuleActionParameters(
      rule({ msg: '{{ trigger.body.x }}', line: 'got: {{ trigger.body.x }}' }),
      { payload: { body: { x: '{{ 7*7 }}' } } },
    );
    expect(out).toEqual({ msg: '{{ 7*7 }}', line: 'got: {{ 7*7 }}' });
  });

  it('shell-quotes trigger values in cmd for local-shell-cmd and remote-shell-cmd', () => {
    const payload = { body: { x: 'a; touch /tmp/pwned', n: 5, safe: 'hello' } };
    const params = rule({
      cmd: 'echo {{ trigger.body.x }} {{ trigger.body.n }} {{ trigger.body.safe }}',
      note: '{{ trigger.body.x }}',
    });
    for (const runner of ['local-shell-cmd', 'remote-shell-cmd']) {
      const out = renderRuleActionParameters(params, { payload }, { action: action(runner) });
      expect(out.cmd).toBe("echo 'a; touch /tmp/pwned' 5 hello");
      expect(out.note).toBe('a; touch /tmp/pwned'); // only cmd is a shell line
    }
    const plain = renderRuleActionParameters(params, { payload }, { action: action('http-request') });
    expect(plain.cmd).toBe('echo a; touch /tmp/pwned 5 hello');
  });

  it('the quoted cmd really is one word for a POSIX shell', () => {
    const nasty = `it's "quoted" $(id) \`id\` ; rm -rf / && echo \\ | cat`;
    const out = renderRuleActionParameters(
      rule({ cmd: 'printf %s {{ trigger.body.x }}' }),
      { payload: { body: { x: nasty } } },
      { action: action('local-shell-cmd') },
    );
    const printed = execFileSync('/bin/sh', ['-c', out.cmd as string], { encoding: 'utf8' });
    expect(printed).toBe(nasty);
  });

  it('st2kv values in cmd are not quoted (they come from the operator, not the event)', () => {
    const out = renderRuleActionParameters(
      rule({ cmd: '{{ st2kv.system.tool }} --id {{ trigger.id }}' }),
      { payload: { id: 'x y' } },
      { action: action('local-shell-cmd'), st2kv: { system: { tool: 'deploy --fast' } } },
    );
    expect(out.cmd).toBe("deploy --fast --id 'x y'");
  });

  it('names the parameter that failed to render', () => {
    expect(() =>
      renderRuleActionParameters(rule({ cmd: '{{ trigger.missing.deeper }}' }), { payload: {} }),
    ).toThrow(ParameterRenderError);
    expect(() =>
      renderRuleActionParameters(rule({ cmd: '{{ trigger.missing.deeper }}' }), { payload: {} }),
    ).toThrow(/^Failed to render parameter "cmd": /);
  });

  it('does not let callers mutate the rule through rendered values', () => {
    const r = rule({ opts: { a: [1] } });
    const out = renderRuleActionParameters(r, { payload: {} });
    (out.opts as { a: number[] }).a.push(2);
    expect(r.action.parameters).toEqual({ opts: { a: [1] } });
  });
});

describe('untrustedRuleParameters', () => {
  it('lists parameters whose templates read the trigger', () => {
    expect(
      untrustedRuleParameters(
        rule({
          cmd: 'echo {{ trigger.body.x }}',
          whole: '{{trigger}}',
          nested: { a: ['{{ trigger.y | upper }}'] },
          kv: '{{ st2kv.system.k }}',
          plain: 'trigger.body.x',
          other: '{{ retrigger }}',
          n: 1,
        }),
      ),
    ).toEqual(['cmd', 'whole', 'nested']);
    expect(untrustedRuleParameters({ action: { ref: 'x' } })).toEqual([]);
  });
});
