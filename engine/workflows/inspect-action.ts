/**
 * Load-time check for pack loading (`LoadPackOptions.inspectAction`): an `orquesta` action's workflow must
 * inspect clean; each problem becomes one `load_errors` line ("<category>: <spec path>: <message>").
 */
import { readFileSync } from 'node:fs';
import type { ActionDefinition } from '../model/index.ts';
import { inspectionErrors, inspectWorkflow } from './inspector.ts';

export interface InspectWorkflowActionOptions {
  /** Whether an action ref exists (unknown task actions become errors). */
  actionExists?: (ref: string) => boolean;
}

export function inspectWorkflowAction(
  action: ActionDefinition,
  options: InspectWorkflowActionOptions = {},
): string[] {
  if (action.runner_type !== 'orquesta') return [];
  if (!action.entry_point_path) return [`workflow: action "${action.ref}" has no entry_point`];
  let text: string;
  try {
    text = readFileSync(action.entry_point_path, 'utf8');
  } catch (error) {
    return [`workflow: cannot read ${action.entry_point_path}: ${(error as Error).message}`];
  }
  const result = inspectWorkflow(text, options.actionExists ? { actionExists: options.actionExists } : {});
  return inspectionErrors(result).map(
    (e) => `workflow ${e.category}${e.type ? `/${e.type}` : ''}: ${e.spec_path ?? '(root)'}: ${e.message}`,
  );
}
