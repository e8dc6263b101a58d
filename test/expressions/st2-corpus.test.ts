/**
 * The expressions of the real st2 content in ../shared/compat/st2 (and the Orquesta conformance fixtures):
 * every one parses, and the st2 function test workflows (examples/actions/workflows/tests/orquesta-test-
 * {yaql,jinja}-*-functions.yaml) produce the outputs StackStorm's own integration tests expect.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  evaluate,
  inspectExpression,
  isExpression,
  NONE_MAGIC_VALUE,
  PYYAML_OPTIONS,
} from '../../engine/expressions/index.ts';

const shared = fileURLToPath(new URL('../../../shared/', import.meta.url));
const workflows = join(shared, 'compat/st2/examples/actions/workflows/tests');

function* yamlFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* yamlFiles(path);
    else if (/\.ya?ml$/.test(name)) yield path;
  }
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

/**
 * PyYAML accepts a multi-line quoted scalar whose closing line is indented no deeper than its key
 * (orquesta-test-jinja-data-functions.yaml ends `data_pipe_str_1` that way); the yaml package does not,
 * so such closing lines are indented a little more before parsing.
 */
function load(path: string): unknown {
  const source = readFileSync(path, 'utf8');
  try {
    return parse(source, PYYAML_OPTIONS);
  } catch {
    return parse(source.replace(/^( *)(\}\}['"])$/gm, '$1    $2'), PYYAML_OPTIONS);
  }
}

describe('st2 corpus expressions', () => {
  it('every expression parses (except the one orquesta-fail-inspection.yaml breaks on purpose)', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of [
      ...yamlFiles(join(shared, 'compat/st2')),
      ...yamlFiles(join(shared, 'conformance/orquesta')),
    ]) {
      if (file.endsWith('orquesta-fail-inspection.yaml')) continue;
      for (const text of strings(load(file))) {
        if (!isExpression(text)) continue;
        checked++;
        for (const p of inspectExpression(text)) problems.push(`${file}: ${p.expression}: ${p.message}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(400);
  });

  it('reports the deliberate syntax error of orquesta-fail-inspection.yaml', () => {
    const all = [...strings(load(join(workflows, 'orquesta-fail-inspection.yaml')))].flatMap((t) =>
      inspectExpression(t),
    );
    expect(all).toEqual([expect.objectContaining({ type: 'yaql', expression: '<% <% succeeded() %>' })]);
  });
});

/** Renders a workflow's `output` list in order, each item seeing vars and the outputs before it (Orquesta). */
function renderOutputs(file: string): Record<string, unknown> {
  const spec = load(join(workflows, file)) as {
    vars?: Array<Record<string, unknown>>;
    output: Array<Record<string, unknown>>;
  };
  const ctx: Record<string, unknown> = Object.assign({}, ...(spec.vars ?? []));
  const functions = {
    ctx: (name?: unknown) => (typeof name === 'string' ? ctx[name] : ctx),
  };
  const out: Record<string, unknown> = {};
  for (const item of spec.output) {
    for (const [key, expression] of Object.entries(item)) {
      out[key] = evaluate(expression as string, { data: {}, functions });
      ctx[key] = out[key];
    }
  }
  return out;
}

const expectedData = {
  data_json_str_1: '{"foo": {"bar": "foobar"}}',
  data_json_str_2: '{"foo": {"bar": "foobar"}}',
  data_json_str_3: '{"foo": {"bar": "foobar"}}',
  data_json_obj_1: { foo: { bar: 'foobar' } },
  data_json_obj_2: { foo: { bar: 'foobar' } },
  data_json_obj_3: { foo: { bar: 'foobar' } },
  data_json_obj_4: { foo: { bar: 'foobar' } },
  data_yaml_str_1: 'foo:\n  bar: foobar\n',
  data_yaml_str_2: 'foo:\n  bar: foobar\n',
  data_query_1: ['foobar'],
  data_none_str: NONE_MAGIC_VALUE,
  data_str: 'foobar',
};

describe('st2 function test workflows', () => {
  it.each(['yaql', 'jinja'])('%s data functions', (lang) => {
    const out = renderOutputs(`orquesta-test-${lang}-data-functions.yaml`);
    expect(out).toMatchObject(expectedData);
    if (lang === 'jinja') {
      expect(out.data_pipe_str_1).toBe('{"foo": {"bar": "foobar"}}');
      expect(out.data_list_str).toBe('- a: 1\n  b: 2\n- x: 3\n  y: 4\n');
    }
  });

  it.each(['yaql', 'jinja'])('%s regex functions', (lang) => {
    expect(renderOutputs(`orquesta-test-${lang}-regex-functions.yaml`)).toEqual({
      match: true,
      replace: 'wxyz',
      search: true,
      substring: '668 Infinite Dr',
    });
  });

  it.each(['yaql', 'jinja'])('%s path functions', (lang) => {
    expect(renderOutputs(`orquesta-test-${lang}-path-functions.yaml`)).toEqual({
      basename: 'file.txt',
      dirname: '/path/to/some',
    });
  });

  it.each(['yaql', 'jinja'])('%s time functions', (lang) => {
    expect(renderOutputs(`orquesta-test-${lang}-time-functions.yaml`)).toEqual({ time: '3h25m45s' });
  });

  it.each(['yaql', 'jinja'])('%s version functions', (lang) => {
    expect(renderOutputs(`orquesta-test-${lang}-version-functions.yaml`)).toEqual({
      compare_equal: 0,
      compare_more_than: -1,
      compare_less_than: 1,
      equal: true,
      more_than: false,
      less_than: false,
      match: true,
      bump_major: '1.0.0',
      bump_minor: '0.11.0',
      bump_patch: '0.10.1',
      strip_patch: '0.10',
    });
  });
});
