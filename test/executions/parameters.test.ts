import { describe, expect, it } from 'vitest';
import type { ActionDefinition, ParameterSchema } from '../../engine/model/index.ts';

const { ParameterError, castValue, mergeParameterSchemas, resolveParameters } = await import(
  '../../engine/executions/parameters.ts'
);

const SHELL: ParameterSchema = {
  cmd: { type: 'string', description: 'Arbitrary Linux command' },
  cwd: { type: 'string' },
  sudo: { type: 'boolean', default: false },
  sudo_password: { type: 'string', secret: true },
  timeout: { type: 'integer', default: 60 },
  kwarg_op: { type: 'string', immutable: true, default: '--' },
};

function action(parameters: ParameterSchema, patch: Partial<ActionDefinition> = {}): ActionDefinition {
  return {
    ref: 'examples.thing',
    name: 'thing',
    pack: 'examples',
    enabled: true,
    runner_type: 'local-shell-cmd',
    parameters,
    metadata_file: '/packs/examples/actions/thing.yaml',
    pack_path: '/packs/examples',
    ...patch,
  };
}

const shellRunner = { name: 'local-shell-cmd', parameters: SHELL };
const noopRunner = { name: 'noop', parameters: {} as ParameterSchema };

describe('mergeParameterSchemas', () => {
  it('takes type/secret from the runner and lets the action override default and immutable', () => {
    const merged = mergeParameterSchemas(
      SHELL,
      { cmd: { default: 'uptime' }, sudo: { immutable: true }, extra: { type: 'integer' } },
      'x',
    );
    expect(merged.cmd).toEqual({ type: 'string', description: 'Arbitrary Linux command', default: 'uptime' });
    expect(merged.sudo).toEqual({ type: 'boolean', default: false, immutable: true });
    expect(merged.sudo_password?.secret).toBe(true);
    expect(merged.extra).toEqual({ type: 'integer' });
  });

  it('lets an action change only the default of an immutable runner parameter', () => {
    expect(
      mergeParameterSchemas(SHELL, { kwarg_op: { default: '-', type: 'string' } }, 'x').kwarg_op,
    ).toMatchObject({
      default: '-',
      immutable: true,
    });
    expect(() => mergeParameterSchemas(SHELL, { kwarg_op: { type: 'integer' } }, 'act.yaml')).toThrow(
      /act\.yaml: runner parameter "kwarg_op" is immutable; the action may only override its default \(not "type"\)/,
    );
  });
});

describe('castValue', () => {
  it.each([
    [{ type: 'integer' }, '42', 42],
    [{ type: 'number' }, '2.5', 2.5],
    [{ type: 'boolean' }, 'true', true],
    [{ type: 'boolean' }, 'False', false],
    [{ type: 'array' }, 'a, b,c', ['a', 'b', 'c']],
    [{ type: 'array' }, '[1,2]', [1, 2]],
    [{ type: 'object' }, '{"a":1}', { a: 1 }],
    [{ type: 'string' }, '42', '42'],
    [{}, '42', '42'],
    [{ type: 'integer' }, 7, 7],
  ])('%j casts %j', (spec, input, out) => {
    expect(castValue('p', spec, input)).toEqual(out);
  });

  it('names the parameter and the expected type on failure', () => {
    expect(() => castValue('count', { type: 'integer' }, 'abc')).toThrow(
      'parameter "count": expected integer, got "abc"',
    );
    expect(() => castValue('flag', { type: 'boolean' }, 'maybe')).toThrow(ParameterError);
    expect(() => castValue('o', { type: 'object' }, '[1]')).toThrow(/expected object/);
  });
});

describe('resolveParameters', () => {
  it('applies defaults, casts strings and returns secret names', async () => {
    const a = action({ count: { type: 'integer', default: 3 }, cmd: { default: 'uptime' } });
    const out = await resolveParameters({
      action: a,
      runner: shellRunner,
      given: { count: '5', sudo: 'yes' },
    });
    expect(out.parameters).toEqual({ cmd: 'uptime', sudo: true, timeout: 60, kwarg_op: '--', count: 5 });
    expect([...out.secretNames]).toEqual(['sudo_password']);
  });

  it('rejects immutable, unknown and missing required parameters by name', async () => {
    const a = action({ sudo: { immutable: true }, host: { type: 'string', required: true } });
    await expect(
      resolveParameters({ action: a, runner: shellRunner, given: { sudo: true, host: 'h' } }),
    ).rejects.toThrow('parameter "sudo" of action "examples.thing" is immutable and cannot be set');
    await expect(
      resolveParameters({ action: a, runner: shellRunner, given: { nope: 1, host: 'h' } }),
    ).rejects.toThrow('parameter "nope" is not a parameter of action "examples.thing"');
    await expect(resolveParameters({ action: a, runner: shellRunner, given: {} })).rejects.toThrow(
      'parameter "host" of action "examples.thing" is required',
    );
  });

  it('validates types and enums with clear messages', async () => {
    const a = action({
      level: { type: 'string', enum: ['low', 'high'] },
      tags: { type: 'array', items: { type: 'integer' } },
    });
    await expect(
      resolveParameters({ action: a, runner: noopRunner, given: { level: 'mid' } }),
    ).rejects.toThrow('parameter "level": expected one of ["low","high"], got "mid"');
    await expect(resolveParameters({ action: a, runner: noopRunner, given: { level: 5 } })).rejects.toThrow(
      'parameter "level": expected string, got 5',
    );
    await expect(
      resolveParameters({ action: a, runner: noopRunner, given: { tags: [1, 'x'] } }),
    ).rejects.toThrow('parameter "tags.1": expected integer, got "x"');
  });

  it('renders defaults and values in dependency order with st2kv, config_context and action_context', async () => {
    const a = action({
      url: { type: 'string', default: 'https://{{ host }}:{{ port }}/{{ path }}' },
      path: { type: 'string', default: 'v1/{{ config_context.tenant }}' },
      host: { type: 'string', default: '{{ st2kv.system.api_host }}' },
      port: { type: 'integer', default: '{{ base_port }}' },
      base_port: { type: 'integer', default: 8000 },
      who: { type: 'string', default: '{{ action_context.user }}' },
    });
    const lookups: string[] = [];
    const out = await resolveParameters({
      action: a,
      runner: noopRunner,
      given: { base_port: '9000' },
      context: { config_context: { tenant: 'acme' }, action_context: { user: 'stanley' } },
      kv: async (scope, key) => {
        lookups.push(`${scope}.${key}`);
        return 'api.local';
      },
    });
    expect(out.parameters).toEqual({
      url: 'https://api.local:9000/v1/acme',
      path: 'v1/acme',
      host: 'api.local',
      port: 9000,
      base_port: 9000,
      who: 'stanley',
    });
    expect(lookups).toEqual(['system.api_host']);
  });

  it('reports cycles', async () => {
    const a = action({ a: { default: '{{ b }}' }, b: { default: 'x{{ c }}' }, c: { default: '{{ a }}' } });
    await expect(resolveParameters({ action: a, runner: noopRunner })).rejects.toThrow(
      /reference each other in a cycle: a → b → c → a/,
    );
  });

  it('reports a failing template naming the parameter', async () => {
    const a = action({ a: { default: '{{ boom() }}' } });
    await expect(resolveParameters({ action: a, runner: noopRunner })).rejects.toThrow(
      /parameter "a": template/,
    );
  });

  it('never renders untrusted values, and shell-quotes them (and values derived from them) in a shell cmd', async () => {
    const a = action({
      cmd: { default: 'echo {{ msg }} {{ greeting }} {{ n }}' },
      msg: { type: 'string' },
      greeting: { type: 'string', default: 'hi {{ msg }}' },
      n: { type: 'integer' },
      note: { type: 'string' },
    });
    const evil = "$(touch /tmp/pwned) {{ st2kv.system.secret }} ';";
    const out = await resolveParameters({
      action: a,
      runner: shellRunner,
      given: { msg: evil, n: '3', note: '{{ action_context.user }}' },
      untrusted: ['msg', 'n', 'note'],
      kv: async () => {
        throw new Error('must not be looked up');
      },
    });
    expect(out.parameters.msg).toBe(evil);
    expect(out.parameters.note).toBe('{{ action_context.user }}');
    expect(out.parameters.greeting).toBe(`hi ${evil}`);
    expect(out.parameters.n).toBe(3);
    const quoted = `'$(touch /tmp/pwned) {{ st2kv.system.secret }} '\\'';'`;
    expect(out.parameters.cmd).toBe(
      `echo ${quoted} 'hi $(touch /tmp/pwned) {{ st2kv.system.secret }} '\\'';' 3`,
    );
  });

  it('does not quote untrusted values outside a shell runner cmd', async () => {
    const a = action({ msg: { type: 'string' }, text: { type: 'string', default: 'say {{ msg }}' } });
    const out = await resolveParameters({
      action: a,
      runner: { name: 'http-request', parameters: {} },
      given: { msg: "it's" },
      untrusted: ['msg'],
    });
    expect(out.parameters.text).toBe("say it's");
  });

  it('renders trusted request values that are templates', async () => {
    const a = action({ a: { type: 'integer', default: 2 }, b: { type: 'integer' } });
    const out = await resolveParameters({ action: a, runner: noopRunner, given: { b: '{{ a }}' } });
    expect(out.parameters).toEqual({ a: 2, b: 2 });
  });
});
