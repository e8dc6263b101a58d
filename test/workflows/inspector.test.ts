import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectionErrors, inspectWorkflow } from '../../engine/workflows/inspector.ts';

const here = dirname(fileURLToPath(import.meta.url));
const st2Workflows = join(here, '../../../shared/compat/st2/examples/actions/workflows');
const conformance = join(here, '../../../shared/conformance/orquesta');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
}

describe('inspectWorkflow on real content', () => {
  const files = [...yamlFiles(st2Workflows), ...yamlFiles(join(st2Workflows, 'tests'))];

  it('finds the st2 example workflows', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const file of files) {
    const name = file.slice(st2Workflows.length + 1);
    const shouldFail = /orquesta-fail-inspection/.test(name);
    it(`${name} ${shouldFail ? 'has errors' : 'is clean'}`, () => {
      const errors = inspectionErrors(inspectWorkflow(readFileSync(file, 'utf8')));
      if (shouldFail) expect(errors.length).toBeGreaterThan(0);
      else expect(errors).toEqual([]);
    });
  }

  it('every conformance fixture is clean', () => {
    for (const file of yamlFiles(conformance)) {
      expect(inspectionErrors(inspectWorkflow(readFileSync(file, 'utf8'))), file).toEqual([]);
    }
  });

  it('reports syntax, expression and context errors of orquesta-fail-inspection.yaml', () => {
    const r = inspectWorkflow(
      readFileSync(join(st2Workflows, 'tests/orquesta-fail-inspection.yaml'), 'utf8'),
    );
    expect(r.syntax).toEqual([
      {
        message: "[{'cmd': 'echo <% ctx().macro %>'}] is not valid under any of the given schemas",
        spec_path: 'tasks.task2.input',
        schema_path: 'properties.tasks.patternProperties.^\\w+$.properties.input.oneOf',
      },
    ]);
    expect(r.expressions.map((e) => [e.spec_path, e.type])).toEqual([['tasks.task2.next[0].when', 'yaql']]);
    expect(r.context).toEqual([
      {
        type: 'yaql',
        expression: '<% ctx().foobar %>',
        message: 'Variable "foobar" is referenced before assignment.',
        spec_path: 'tasks.task1.action',
        schema_path: 'properties.tasks.patternProperties.^\\w+$.properties.action',
      },
    ]);
  });

  it('checks action references (format always, existence with a resolver)', () => {
    const text = readFileSync(
      join(st2Workflows, 'tests/orquesta-fail-inspection-task-contents.yaml'),
      'utf8',
    );
    expect(inspectWorkflow(text).contents.map((e) => e.spec_path)).toEqual(['tasks.task1.action']);
    const known = new Set(['core.echo']);
    const r = inspectWorkflow(text, { actionExists: (ref) => known.has(ref) });
    expect(r.contents.map((e) => e.message)).toEqual([
      'The action reference "echo" is not valid (expected "pack.action").',
      'The action "core.echoz" is not registered in the database.',
    ]);
  });
});

describe('inspectWorkflow semantics and syntax', () => {
  const inspect = (text: string) => inspectWorkflow(text);

  it('rejects reserved task names and undefined transition targets', () => {
    const r = inspect(
      'tasks:\n  t:\n    action: core.noop\n    next:\n      - do: nowhere\n  fail:\n    action: core.noop\n',
    );
    expect(r.semantics).toEqual([
      {
        message: 'The task name "fail" is reserved with special function.',
        spec_path: 'tasks.fail',
        schema_path: 'properties.tasks.patternProperties.^\\w+$',
      },
      {
        message: 'The task "nowhere" is not defined.',
        spec_path: 'tasks.t.next[0].do',
        schema_path: 'properties.tasks.patternProperties.^\\w+$.properties.next.items.properties.do',
      },
    ]);
  });

  it('needs a start task (a loop needs a lead-in)', () => {
    const r = inspect(
      'tasks:\n  a:\n    action: x.y\n    next: [{do: b}]\n  b:\n    action: x.y\n    next: [{do: a}]\n',
    );
    expect(r.semantics.map((e) => e.message)).toEqual([
      expect.stringContaining('Unable to identify any tasks to start the workflow.'),
    ]);
  });

  it('flags with-items without an action and unreachable nested joins', () => {
    const r = inspect(`
tasks:
  t0:
    with: <% ctx(xs) %>
    next: [{do: "t1, t2"}]
  t1:
    action: core.noop
    next: [{do: "t3, t6"}]
  t2:
    action: core.noop
    next: [{do: t3}]
  t3:
    action: core.noop
    next: [{do: "t4, t5"}]
  t4:
    action: core.noop
    next: [{do: t6}]
  t5:
    action: core.noop
  t6:
    join: all
    action: core.noop
`);
    expect(r.semantics.map((e) => e.message)).toEqual([
      'The action property is required for with items task.',
      expect.stringContaining('The join task "t6" is unreachable.'),
    ]);
  });

  it('reports schema violations with jsonschema-style messages and paths', () => {
    const r = inspect(
      'tasks:\n  t:\n    action: core.noop\n    join: maybe\n    retry: {delay: 1}\n    bogus: 1\n',
    );
    expect(r.syntax.map((e) => [e.spec_path, e.message])).toEqual([
      ['tasks.t', "Additional properties are not allowed ('bogus' was unexpected)"],
      ['tasks.t.join', "'maybe' is not valid under any of the given schemas"],
      ['tasks.t.retry', "'count' is a required property"],
    ]);
    expect(inspect('version: 1.0\n').syntax[0]?.message).toBe("'tasks' is a required property");
  });

  it('reports private and unassigned variables in context order', () => {
    const r = inspect(`
input:
  - a
vars:
  - b: <% ctx().a %>
tasks:
  t1:
    action: core.echo message=<% ctx().b %>
    next:
      - publish: c=<% ctx().__state %> d=<% ctx().c %>
        do: t2
  t2:
    action: core.echo message=<% ctx().d %> other=<% ctx().zzz %>
output:
  - out: <% ctx().d %>
`);
    expect(r.context.map((e) => [e.spec_path, e.message])).toEqual([
      ['tasks.t2.action', 'Variable "zzz" is referenced before assignment.'],
      [
        'tasks.t1.next[0].publish[0]',
        'Variable "__state" that is prefixed with double underscores is considered a private variable and cannot be referenced.',
      ],
      ['tasks.t1.next[0].publish[0]', 'Variable "__state" is referenced before assignment.'],
    ]);
  });
});
