import { describe, expect, it } from 'vitest';
import { AliasParameterError, buildExecutionParameters, castParameter } from '../../aliases/parameters.ts';
import type { ParameterSchema } from '../../engine/model/parameters.ts';
import { alias } from './fixtures.ts';

/** st2tests fixtures: wolfpack.action1 / action4 parameters. */
const ACTION1: ParameterSchema = {
  param1: { type: 'string' },
  param2: { type: 'string' },
  param3: { type: 'array' },
  param4: { type: 'string', secret: true },
};
const ACTION4: ParameterSchema = { array_param: { type: 'array', items: { type: 'string' } } };

describe('buildExecutionParameters: st2 parity', () => {
  it('immutable parameters are injected (TestInjectImmutableParameters)', () => {
    const a = alias('aliases.x', ['x'], { immutable_parameters: { env: 'dev' } });
    expect(buildExecutionParameters(a, { param1: 'value1', param2: 'value2' }).parameters).toEqual({
      param1: 'value1',
      param2: 'value2',
      env: 'dev',
    });
  });

  it('immutable parameters with Jinja are returned apart for the caller to render', () => {
    const a = alias('aliases.x', ['x'], { immutable_parameters: { env: '{{ "dev" + "1" }}', region: 'eu' } });
    const r = buildExecutionParameters(a, { param1: 'value1' });
    expect(r.parameters).toEqual({ param1: 'value1', region: 'eu' });
    expect(r.templated).toEqual({ env: '{{ "dev" + "1" }}' });
  });

  it('a user value for an immutable parameter is refused', () => {
    const a = alias('aliases.x', ['x'], { immutable_parameters: { env: 'dev', pw: 'x' } });
    expect(() => buildExecutionParameters(a, { param1: 'value1', env: 'prod' })).toThrow(AliasParameterError);
    expect(() => buildExecutionParameters(a, { env: 'prod', pw: 'y' })).toThrow(
      'Immutable arguments cannot be overriden: env,pw',
    );
  });

  it('alias5: a static alias with immutable parameters', () => {
    const a = alias('aliases.alias5', ['lorem ipsum'], {
      immutable_parameters: { param1: 'value1', param2: 'value2' },
    });
    expect(buildExecutionParameters(a, {}, ACTION1).parameters).toEqual({
      param1: 'value1',
      param2: 'value2',
    });
  });

  it('array parameters: single value and comma-separated values (test_execution_with_array_type_*)', () => {
    const a = alias('aliases.alias2', ['x']);
    expect(buildExecutionParameters(a, { param1: 'value1', param3: 'value2' }, ACTION1).parameters).toEqual({
      param1: 'value1',
      param3: ['value2'],
    });
    expect(
      buildExecutionParameters(a, { param1: 'value1', param3: 'value2, value3' }, ACTION1).parameters,
    ).toEqual({
      param1: 'value1',
      param3: ['value2', 'value3'],
    });
  });

  it('an immutable comma string is cast to a list; an immutable list is left alone', () => {
    const cast = alias('aliases.c', ['x'], {
      immutable_parameters: { array_param: 'one,two,three,four,give' },
    });
    expect(buildExecutionParameters(cast, {}, ACTION4).parameters.array_param).toEqual([
      'one',
      'two',
      'three',
      'four',
      'give',
    ]);
    const list = [
      { key1: 'one', key2: 'two' },
      { key3: 'three', key4: 'four' },
    ];
    const already = alias('aliases.l', ['x'], { immutable_parameters: { array_param: list } });
    expect(buildExecutionParameters(already, {}, ACTION4).parameters.array_param).toEqual(list);
  });

  it('says which parameters came from the chat text', () => {
    const a = alias('aliases.x', ['x'], { immutable_parameters: { env: 'dev' } });
    expect(buildExecutionParameters(a, { cmd: 'ls', hosts: 'web1' }).untrustedParameters).toEqual([
      'cmd',
      'hosts',
    ]);
  });

  it('never renders user values', () => {
    const a = alias('aliases.x', ['x']);
    const r = buildExecutionParameters(a, { cmd: "{{ st2kv('system.pw') }}" });
    expect(r.parameters).toEqual({ cmd: "{{ st2kv('system.pw') }}" });
    expect(r.templated).toEqual({});
  });
});

describe('castParameter', () => {
  it.each([
    [{ type: 'integer' }, ' 42 ', 42],
    [{ type: 'integer' }, '-7', -7],
    [{ type: 'number' }, '2.5', 2.5],
    [{ type: 'boolean' }, 'true', true],
    [{ type: 'boolean' }, 'No', false],
    [{ type: 'boolean' }, '1', true],
    [{ type: 'object' }, '{"a": 1}', { a: 1 }],
    [{ type: 'object' }, "{'a': 'b'}", { a: 'b' }],
    [{ type: 'array' }, '["a", "b c"]', ['a', 'b c']],
    [{ type: 'array' }, ' a , b ,c', ['a', 'b', 'c']],
    [{ type: 'string' }, ' keep spaces ', ' keep spaces '],
    [{ type: ['string', 'null'] }, '5', '5'],
    [{ type: ['integer', 'null'] }, '5', 5],
    [undefined, '5', '5'],
  ])('%j %j', (spec, value, expected) => {
    expect(castParameter('p', value, spec)).toEqual(expected);
  });

  it.each([
    [{ type: 'integer' }, '4.5', 'Parameter "count" expects an integer, got "4.5"'],
    [{ type: 'integer' }, 'ten', 'Parameter "count" expects an integer, got "ten"'],
    [{ type: 'number' }, 'abc', 'Parameter "count" expects a number, got "abc"'],
    [{ type: 'boolean' }, 'maybe', 'Parameter "count" expects a boolean'],
    [{ type: 'object' }, '[1]', 'Parameter "count" expects a JSON object, got "[1]"'],
  ])('%j %j fails with a clear error', (spec, value, message) => {
    let caught: unknown;
    try {
      castParameter('count', value, spec);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AliasParameterError);
    expect((caught as AliasParameterError).message).toContain(message);
    expect((caught as AliasParameterError).parameter).toBe('count');
  });

  it('leaves non-string values alone', () => {
    expect(castParameter('p', ['x'], { type: 'array' })).toEqual(['x']);
    expect(castParameter('p', 3, { type: 'string' })).toBe(3);
  });
});
