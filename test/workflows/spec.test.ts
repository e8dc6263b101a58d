import { describe, expect, it } from 'vitest';
import { composeGraph } from '../../engine/workflows/graph.ts';
import {
  inCycle,
  isSplitTask,
  loadDefinition,
  nextTasks,
  parseInlineParams,
  parseWorkflow,
  startTasks,
} from '../../engine/workflows/spec.ts';

const WF = `
version: 1.0
description: demo
input:
  - name
  - count: 3
vars:
  - greeting: null
output:
  - greeting: <% ctx().greeting %>
tasks:
  task1:
    action: core.echo message=<% ctx().name %> times=2 loud=true note="a b"
    next:
      - when: <% succeeded() %>
        publish: greeting=<% result() %> n=1
        do: task2, task3
  task2:
    action: core.local
    input:
      cmd: echo hi
    with:
      items: x, y in <% zip(ctx(a), ctx(b)) %>
      concurrency: 2
    retry:
      count: 3
      delay: 1
    next:
      - publish:
          - a: 1
          - b: <% ctx().a %>
        do:
          - task3
  task3:
    join: all
    delay: 5
    with: <% ctx(xs) %>
    action: core.noop
`;

describe('parseWorkflow', () => {
  const spec = parseWorkflow(WF);

  it('reads inputs with and without defaults, vars and output in order', () => {
    expect(spec.input).toEqual([
      { name: 'name', hasDefault: false },
      { name: 'count', default: 3, hasDefault: true },
    ]);
    expect(spec.vars).toEqual([['greeting', null]]);
    expect(spec.output).toEqual([['greeting', '<% ctx().greeting %>']]);
    expect(spec.version).toBe(1);
    expect(spec.taskNames).toEqual(['task1', 'task2', 'task3']);
  });

  it('splits inline action parameters into input', () => {
    const t = spec.tasks.task1;
    expect(t?.action).toBe('core.echo');
    expect(t?.input).toEqual({ message: '<% ctx().name %>', times: 2, loud: true, note: 'a b' });
  });

  it('normalizes publish and do (string and list forms; default continue)', () => {
    expect(spec.tasks.task1?.next[0]).toEqual({
      when: '<% succeeded() %>',
      publish: [
        ['greeting', '<% result() %>'],
        ['n', 1],
      ],
      do: ['task2', 'task3'],
    });
    expect(spec.tasks.task2?.next[0]).toEqual({
      publish: [
        ['a', 1],
        ['b', '<% ctx().a %>'],
      ],
      do: ['task3'],
    });
    expect(
      parseWorkflow('tasks:\n  t:\n    action: core.noop\n    next:\n      - when: <% failed() %>\n').tasks.t
        ?.next[0]?.do,
    ).toEqual(['continue']);
  });

  it('reads with-items (named items, shorthand), retry, join and delay', () => {
    expect(spec.tasks.task2?.with).toEqual({
      items: 'x, y in <% zip(ctx(a), ctx(b)) %>',
      expression: '<% zip(ctx(a), ctx(b)) %>',
      keys: ['x', 'y'],
      concurrency: 2,
    });
    expect(spec.tasks.task2?.retry).toEqual({ count: 3, delay: 1 });
    expect(spec.tasks.task3?.with).toEqual({ items: '<% ctx(xs) %>', expression: '<% ctx(xs) %>' });
    expect(spec.tasks.task3?.join).toBe('all');
    expect(spec.tasks.task3?.delay).toBe(5);
  });

  it('answers graph questions: start tasks, next tasks sorted by name, splits, cycles', () => {
    expect(startTasks(spec)).toEqual(['task1']);
    expect(nextTasks(spec, 'task1').map((n) => n.name)).toEqual(['task2', 'task3']);
    const cyc = parseWorkflow(
      'tasks:\n  a:\n    action: x.y\n    next: [{do: b}]\n  b:\n    action: x.y\n    next: [{do: c}, {do: d}]\n  c:\n    action: x.y\n    next: [{do: b}]\n  d:\n    action: x.y\n',
    );
    expect(inCycle(cyc, 'b')).toBe(true);
    expect(inCycle(cyc, 'a')).toBe(false);
    expect(inCycle(cyc, 'd')).toBe(false);
    // b is referenced twice (from a and c) but sits in a cycle; d only once.
    expect(isSplitTask(cyc, 'b')).toBe(true);
    expect(isSplitTask(cyc, 'd')).toBe(false);
  });

  it('composes a graph with join barriers and per-pair edge keys', () => {
    const g = composeGraph(spec);
    expect(g.roots).toEqual(['task1']);
    expect(g.nodes.get('task3')?.barrier).toBe('*');
    expect(g.next.get('task1')?.map((e) => e.transitionId)).toEqual(['task2__t0', 'task3__t0']);
    expect(g.nodes.get('task2')?.retry).toEqual({ when: null, count: 3, delay: 1 });
  });

  it('loads YAML 1.1 like PyYAML (booleans, lenient quoted continuation lines)', () => {
    expect(loadDefinition('a: yes\nb: 1.0\nc: [y, n, On, off]')).toEqual({
      a: true,
      b: 1,
      c: ['y', 'n', true, false],
    });
    const text = 'vars:\n  - s: \'{{\n        ctx("x")\n    }}\'\n  - t: 1\n';
    expect(loadDefinition(text)).toEqual({ vars: [{ s: '{{ ctx("x") }}' }, { t: 1 }] });
  });
});

describe('parseInlineParams', () => {
  it('decodes JSON values unless quoted, keeps expressions whole', () => {
    expect(
      parseInlineParams('a=1 b=1.5 c=true d=null e="x y" f=\'z\' g=[1, 2] h=<% ctx().a %> i={{ x }}'),
    ).toEqual([
      ['a', 1],
      ['b', 1.5],
      ['c', true],
      ['d', null],
      ['e', 'x y'],
      ['f', 'z'],
      ['g', [1, 2]],
      ['h', '<% ctx().a %>'],
      ['i', '{{ x }}'],
    ]);
    expect(parseInlineParams('core.noop')).toEqual([]);
  });
});
