import pino from 'pino';
import { EventBus } from '../../engine/events/event-bus.ts';
import type { ActionDefinition, ExecutionRecord, ExecutionStatus } from '../../engine/model/index.ts';
import type { ExecutionRequest, RunnerContext, RunnerServices } from '../../engine/runners/runner.ts';

/**
 * Fake engine services for the Orquesta runtime: children are recorded once per idempotency key (runner `fake`),
 * `missing.action` is refused as the engine would, datastore reads come from `kv` (`<scope>.<key>`), and
 * `state.hang` loses requests (a process dying while it asks). Tests finish children by hand.
 */
export function fakeChildServices(kv: Map<string, unknown> = new Map()) {
  const records = new Map<string, ExecutionRecord>();
  const byKey = new Map<string, string>();
  const requests: ExecutionRequest[] = [];
  const completions: Array<{ id: string; status: ExecutionStatus; result?: unknown }> = [];
  const state = { hang: false };
  let n = 0;
  const services: RunnerServices = {
    events: new EventBus(),
    async requestExecution(req) {
      if (state.hang) return new Promise<ExecutionRecord>(() => {});
      const existing = req.dedupeKey ? byKey.get(req.dedupeKey) : undefined;
      if (existing) return records.get(existing) as ExecutionRecord;
      if (req.action === 'missing.action') throw new Error('action "missing.action" not found');
      requests.push(req);
      const id = `child${++n}`;
      const rec: ExecutionRecord = {
        id,
        action: req.action,
        runner: 'fake',
        status: 'running',
        parameters: req.parameters ?? {},
        context: { ...req.context, ...(req.dedupeKey ? { dedupe_key: req.dedupeKey } : {}) },
        log: [],
        start_timestamp: '2026-01-01T00:00:00.000Z',
      };
      records.set(id, rec);
      if (req.dedupeKey) byKey.set(req.dedupeKey, id);
      return rec;
    },
    async completeExecution(id, status, result) {
      completions.push({ id, status, result });
      const rec = records.get(id);
      if (rec) Object.assign(rec, { status, result });
    },
    getExecution: (id) => records.get(id),
    packConfig: () => ({}),
    datastore: {
      get: async (key, options) => kv.get(`${options?.scope ?? 'user'}.${key}`),
      set: async () => {},
    },
  };
  return { services, records, requests, completions, state };
}

/** What the execution service hands a workflow's runner for `record` (fresh run, no output, a silent logger). */
export function workflowRunContext(
  record: ExecutionRecord,
  action: ActionDefinition,
  services: RunnerServices,
): RunnerContext {
  return {
    executionId: record.id,
    action,
    parameters: record.parameters,
    secretParameters: new Set<string>(),
    context: record.context,
    signal: new AbortController().signal,
    output: () => {},
    logger: pino({ level: 'silent' }),
    services,
    addSecret: () => {},
    outputCapBytes: 1024,
    resumed: false,
    record,
  };
}
