import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../engine/model/index.ts';
import { inspectWorkflowAction } from '../../engine/workflows/inspect-action.ts';

const examples = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/compat/st2/examples/actions/workflows',
);

function wfAction(entry: string, runner = 'orquesta'): ActionDefinition {
  return {
    ref: 'examples.wf',
    name: 'wf',
    pack: 'examples',
    enabled: true,
    runner_type: runner,
    entry_point_path: join(examples, entry),
    parameters: {},
    metadata_file: '/dev/null',
    pack_path: '/dev/null',
  };
}

describe('inspectWorkflowAction (pack load check)', () => {
  it('is empty for a clean workflow and for other runners', () => {
    expect(inspectWorkflowAction(wfAction('orquesta-sequential.yaml'))).toEqual([]);
    expect(inspectWorkflowAction(wfAction('tests/orquesta-fail-inspection.yaml', 'local-shell-cmd'))).toEqual(
      [],
    );
  });

  it('lists each inspection problem as a load error line', () => {
    const lines = inspectWorkflowAction(wfAction('tests/orquesta-fail-inspection.yaml'));
    expect(lines).toContain(
      'workflow context/yaql: tasks.task1.action: Variable "foobar" is referenced before assignment.',
    );
    expect(lines.length).toBe(3);
  });

  it('checks task actions exist when told how', () => {
    const lines = inspectWorkflowAction(wfAction('orquesta-sequential.yaml'), { actionExists: () => false });
    expect(lines.every((l) => l.startsWith('workflow contents/content: tasks.'))).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('reports a missing workflow file', () => {
    expect(inspectWorkflowAction(wfAction('nope.yaml'))[0]).toMatch(/^workflow: cannot read /);
  });
});
