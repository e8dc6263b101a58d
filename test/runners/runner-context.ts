import { readFileSync } from 'node:fs';
import { EventBus } from '../../engine/events/event-bus.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { ActionDefinition, ExecutionRecord } from '../../engine/model/index.ts';
import type { RunnerContext, RunnerServices } from '../../engine/runners/runner.ts';

export interface TestContext extends RunnerContext {
  chunks: Array<{ stream: string; data: string }>;
  secrets: string[];
  controller: AbortController;
  events: EventBus;
}

/** A RunnerContext built by hand, recording output and secrets; abort through `controller`. */
export function makeContext(
  overrides: {
    action?: Partial<ActionDefinition>;
    parameters?: Record<string, unknown>;
    secretParameters?: string[];
    timeoutMs?: number;
    outputCapBytes?: number;
    services?: Partial<RunnerServices>;
  } = {},
): TestContext {
  const controller = new AbortController();
  const events = new EventBus();
  const chunks: TestContext['chunks'] = [];
  const secrets: string[] = [];
  const action: ActionDefinition = {
    ref: 'test.action',
    name: 'action',
    pack: 'test',
    enabled: true,
    runner_type: 'local-shell-cmd',
    parameters: {},
    metadata_file: '/packs/test/actions/action.yaml',
    pack_path: '/packs/test',
    ...overrides.action,
  };
  const id = `exec-${Math.random().toString(36).slice(2)}`;
  const record: ExecutionRecord = {
    id,
    action: action.ref,
    runner: action.runner_type,
    status: 'running',
    parameters: overrides.parameters ?? {},
    context: { user: 'tester' },
    log: [],
    start_timestamp: new Date().toISOString(),
  };
  const services: RunnerServices = {
    events,
    requestExecution: async () => {
      throw new Error('not in these tests');
    },
    completeExecution: async () => {},
    getExecution: () => undefined,
    packConfig: () => ({}),
    ...overrides.services,
  };
  return {
    executionId: id,
    action,
    parameters: overrides.parameters ?? {},
    secretParameters: new Set(overrides.secretParameters ?? []),
    context: { user: 'tester' },
    signal: controller.signal,
    timeoutMs: overrides.timeoutMs,
    output(stream, data) {
      chunks.push({ stream, data });
    },
    logger: silentLogger(),
    services,
    addSecret(value) {
      secrets.push(value);
    },
    outputCapBytes: overrides.outputCapBytes ?? 1024 * 1024,
    resumed: false,
    record,
    chunks,
    secrets,
    controller,
    events,
  };
}

export function outputOf(ctx: TestContext, stream: string): string {
  return ctx.chunks
    .filter((c) => c.stream === stream)
    .map((c) => c.data)
    .join('');
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
