import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { type InspectionError, inspectionErrors, inspectWorkflow } from '../../engine/workflows/inspector.ts';
import {
  type MockActionExecution,
  RehearsalError,
  rehearse,
  runWorkflowTestCase,
  type WorkflowTestCase,
} from '../../engine/workflows/rehearsal.ts';
import { loadDefinition } from '../../engine/workflows/spec.ts';
import { printJson } from '../output.ts';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

/** A mocks file: a list of mocks, or `{mocks: [...]}` / `{mock_action_executions: [...]}` (YAML or JSON). */
function readMocks(file: string): MockActionExecution[] {
  let data: unknown;
  try {
    data = loadDefinition(readText(file, 'mocks file'));
  } catch (err) {
    throw new Error(`mocks file ${file}: invalid YAML/JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data)
    ? data
    : data && typeof data === 'object'
      ? ((data as Record<string, unknown>).mocks ?? (data as Record<string, unknown>).mock_action_executions)
      : undefined;
  if (!Array.isArray(list)) {
    throw new Error(`mocks file ${file}: expected a list of mocks (or {mocks: [...]}), each with task_id`);
  }
  list.forEach((m, i) => {
    if (!m || typeof m !== 'object' || typeof (m as Record<string, unknown>).task_id !== 'string') {
      throw new Error(`mocks file ${file}: entry ${i} needs a task_id`);
    }
  });
  return list as MockActionExecution[];
}

function parseJsonObject(option: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${option}: invalid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${option}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function printErrors(file: string, errors: Array<InspectionError & { category: string }>): void {
  for (const e of errors) {
    const type = e.type ? `${e.category}/${e.type}` : e.category;
    process.stdout.write(`${type}\t${e.spec_path ?? '(root)'}\t${e.message}\n`);
  }
  process.stdout.write(`${file}: ${errors.length} error(s)\n`);
}

/** `squall workflow inspect|rehearse`: check and dry-run Orquesta workflows offline. */
export function registerWorkflowCommands(program: Command): void {
  const workflow = program
    .command('workflow')
    .description('Orquesta workflows: inspect and rehearse offline');

  workflow
    .command('inspect <file>')
    .description('Inspect a workflow (syntax, semantics, expressions, context); exit 1 on errors')
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) => {
      const result = inspectWorkflow(readText(file, 'workflow'));
      const errors = inspectionErrors(result);
      if (options.json) printJson({ file, valid: errors.length === 0, errors: result });
      else if (errors.length === 0) process.stdout.write(`${file}: no errors\n`);
      else printErrors(file, errors);
      if (errors.length > 0) process.exitCode = 1;
    });

  workflow
    .command('rehearse <file>')
    .description(
      'Run a workflow with mocked action results (no action runs); prints sequence, status and output',
    )
    .option('--inputs <json>', 'workflow inputs as a JSON object')
    .option(
      '--mocks <file>',
      'mocked action executions (YAML or JSON list of {task_id, status, result, ...})',
    )
    .option('--kv <json>', 'datastore values for st2kv() as a JSON object, e.g. {"system.region":"eu"}')
    .option('--json', 'print JSON')
    .action((file: string, options: { inputs?: string; mocks?: string; kv?: string; json?: boolean }) => {
      const specText = readText(file, 'workflow');
      const inputs = parseJsonObject('--inputs', options.inputs);
      const kv = options.kv === undefined ? undefined : parseJsonObject('--kv', options.kv);
      const mocks = options.mocks ? readMocks(options.mocks) : [];
      let result: ReturnType<typeof rehearse>;
      try {
        result = rehearse({ specText, inputs, mocks, ...(kv ? { kv } : {}) });
      } catch (err) {
        if (err instanceof RehearsalError && err.inspection) {
          const errors = inspectionErrors(err.inspection);
          if (options.json) printJson({ file, valid: false, errors: err.inspection });
          else printErrors(file, errors);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      if (options.json) {
        printJson({
          status: result.status,
          sequence: result.sequence,
          routes: result.routes,
          errors: result.errors,
          output: result.output,
          terminal_tasks: result.terminal_tasks,
        });
        return;
      }
      process.stdout.write(`status: ${result.status}\n`);
      process.stdout.write(`sequence: ${result.sequence.join(' -> ')}\n`);
      if (result.routes.length > 1) process.stdout.write(`routes: ${JSON.stringify(result.routes)}\n`);
      process.stdout.write(`terminal tasks: ${result.terminal_tasks.join(', ')}\n`);
      for (const e of result.errors) {
        process.stdout.write(`error: ${e.task_id ? `${e.task_id}: ` : ''}${e.message}\n`);
      }
      process.stdout.write(`output: ${JSON.stringify(result.output)}\n`);
    });

  workflow
    .command('test <cases...>')
    .description(
      'Run workflow test cases (YAML/JSON: workflow, inputs, mock_action_executions, expected_task_sequence, ...); exit 1 on a failure',
    )
    .option('--json', 'print JSON')
    .action((files: string[], options: { json?: boolean }) => {
      const outcomes = files.map((file) => {
        let testCase: WorkflowTestCase;
        try {
          testCase = loadDefinition(readText(file, 'test case')) as WorkflowTestCase;
        } catch (err) {
          return { file, passed: false, failures: [`invalid YAML/JSON: ${(err as Error).message}`] };
        }
        const outcome = runWorkflowTestCase(testCase, { baseDir: dirname(resolve(file)) });
        return { file, passed: outcome.passed, failures: outcome.failures };
      });
      if (options.json) printJson(outcomes);
      else {
        for (const o of outcomes) {
          process.stdout.write(`${o.passed ? 'PASS' : 'FAIL'} ${o.file}\n`);
          for (const f of o.failures) process.stdout.write(`  ${f}\n`);
        }
        const failed = outcomes.filter((o) => !o.passed).length;
        process.stdout.write(`${outcomes.length - failed} passed, ${failed} failed\n`);
      }
      if (outcomes.some((o) => !o.passed)) process.exitCode = 1;
    });
}
