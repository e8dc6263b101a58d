/**
 * Orquesta conformance: every case of ../shared/conformance/orquesta/cases.json through the public rehearsal API.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConductorData } from '../../engine/workflows/conductor.ts';
import {
  createRehearsal,
  type MockActionExecution,
  type RehearsalResult,
  resumeRehearsal,
} from '../../engine/workflows/rehearsal.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/orquesta');

interface Case {
  id: string;
  kind: 'run' | 'rerun' | 'stepwise' | 'predicate';
  workflow: string;
  inputs?: Record<string, unknown>;
  mock_action_executions?: MockActionExecution[];
  expected_task_sequence?: string[];
  expected_workflow_status?: string;
  expected_routes?: string[][];
  expected_errors?: unknown[];
  expected_output?: Record<string, unknown>;
  expected_term_tasks?: string[];
  continue_from_case?: string;
  rerun_tasks?: Array<{ task_id: string; route?: number; reset_items?: boolean }> | null;
  steps?: Array<{
    expect_next?: Array<Record<string, unknown>>;
    expect_task_state?: Record<string, Record<string, unknown>>;
    forward?: { task: string; statuses: string[] };
  }>;
  checks?: Array<{ task: string; forward_statuses: string[]; result?: unknown; expect_retry: boolean }>;
}

const suite = JSON.parse(readFileSync(join(root, 'cases.json'), 'utf8')) as { count: number; cases: Case[] };
const specText = (c: Case) => readFileSync(join(root, c.workflow), 'utf8');
const full = (id: string) => (id.includes('__r') ? id : `${id}__r0`);
const finalStates = new Map<string, ConductorData>();

function check(c: Case, r: RehearsalResult): void {
  expect(r.sequence.map(full)).toEqual((c.expected_task_sequence ?? []).map(full));
  expect(r.routes).toEqual(c.expected_routes ?? [[]]);
  expect(r.status).toBe(c.expected_workflow_status ?? 'succeeded');
  if (c.expected_errors) expect(r.errors).toEqual(c.expected_errors);
  if (c.expected_output) expect(r.output).toEqual(c.expected_output);
  if (c.expected_term_tasks) {
    expect([...r.terminal_tasks.map(full)].sort()).toEqual([...c.expected_term_tasks.map(full)].sort());
  }
}

function subset(actual: unknown, expected: unknown): void {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    for (const [k, v] of Object.entries(expected)) subset((actual as Record<string, unknown>)?.[k], v);
  } else {
    expect(actual).toEqual(expected);
  }
}

describe('orquesta conformance (cases.json)', () => {
  it('has every case', () => {
    expect(suite.cases).toHaveLength(suite.count);
  });

  for (const c of suite.cases) {
    it(`${c.kind}: ${c.id}`, () => {
      if (c.kind === 'run') {
        const rehearsal = createRehearsal({
          specText: specText(c),
          inputs: c.inputs ?? {},
          mocks: c.mock_action_executions ?? [],
        });
        const result = rehearsal.run();
        finalStates.set(c.id, rehearsal.save());
        check(c, result);
      } else if (c.kind === 'rerun') {
        const state = finalStates.get(c.continue_from_case as string);
        expect(state, `state of ${c.continue_from_case}`).toBeDefined();
        const rehearsal = resumeRehearsal({
          state: state as ConductorData,
          mocks: c.mock_action_executions ?? [],
        });
        rehearsal.rerun(c.rerun_tasks ?? null);
        expect(rehearsal.conductor.getWorkflowStatus()).toBe('resuming');
        const result = rehearsal.run();
        finalStates.set(c.id, rehearsal.save());
        check(c, result);
      } else if (c.kind === 'stepwise') {
        const rehearsal = createRehearsal({ specText: specText(c), inputs: c.inputs ?? {} });
        for (const step of c.steps ?? []) {
          for (const [task, state] of Object.entries(step.expect_task_state ?? {})) {
            subset(rehearsal.taskState(task), state);
          }
          if (step.expect_next) {
            const next = rehearsal.nextTasks();
            expect(next.map((t) => t.id)).toEqual(step.expect_next.map((t) => t.id));
            step.expect_next.forEach((exp, i) => {
              const actual = next[i] as unknown as Record<string, unknown>;
              for (const k of ['delay', 'action', 'input'] as const) {
                if (k in exp) expect(actual[k], `${exp.id}.${k}`).toEqual(exp[k]);
              }
            });
          }
          if (step.forward) rehearsal.forward(step.forward.task, step.forward.statuses);
        }
        const result = rehearsal.result();
        if (c.expected_workflow_status) expect(result.status).toBe(c.expected_workflow_status);
        if (c.expected_task_sequence)
          expect(result.sequence.map(full)).toEqual(c.expected_task_sequence.map(full));
      } else {
        for (const chk of c.checks ?? []) {
          const rehearsal = createRehearsal({ specText: specText(c), inputs: c.inputs ?? {} });
          expect(rehearsal.nextTasks().map((t) => t.id)).toContain(chk.task);
          const entry = rehearsal.forward(chk.task, chk.forward_statuses, { result: chk.result });
          expect(entry.status === 'retrying', `retry for ${JSON.stringify(chk.result)}`).toBe(
            chk.expect_retry,
          );
        }
      }
    });
  }
});
