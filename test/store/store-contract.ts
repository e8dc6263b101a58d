import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionRecord, InquiryRecord, TriggerInstance } from '../../engine/model/index.ts';
import type { Store } from '../../engine/store/store.ts';

export function execution(id: string, patch: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id,
    action: 'core.noop',
    runner: 'noop',
    status: 'requested',
    parameters: { a: 1 },
    context: { user: 'stanley' },
    log: [{ status: 'requested', timestamp: '2026-01-01T00:00:00.000Z' }],
    start_timestamp: '2026-01-01T00:00:00.000Z',
    ...patch,
  };
}

export function triggerInstance(id: string, patch: Partial<TriggerInstance> = {}): TriggerInstance {
  return {
    id,
    trigger: 'core.st2.webhook',
    trigger_parameters: { url: 'sample' },
    payload: { body: { x: 1 } },
    occurrence_time: '2026-01-01T00:00:00.000Z',
    status: 'pending',
    ...patch,
  };
}

function inquiry(id: string, patch: Partial<InquiryRecord> = {}): InquiryRecord {
  return {
    id,
    execution_id: id,
    status: 'pending',
    schema: { type: 'object' },
    users: [],
    roles: [],
    ttl_minutes: 60,
    created_at: '2026-01-01T00:00:00.000Z',
    ...patch,
  };
}

/**
 * The behaviour every Store implementation must have. `makeStore` returns a fresh, empty store;
 * `cleanup` (optional) runs after each test once the store is closed.
 */
export function runStoreContract(
  name: string,
  makeStore: () => Store | Promise<Store>,
  cleanup?: () => void | Promise<void>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      store.close();
      await cleanup?.();
    });

    it('inserts and reads back an execution with every optional field', () => {
      const rec = execution('e1', {
        result: { stdout: 'hi', nested: [1, null, { x: true }] },
        parent: 'p1',
        attempt: 2,
        runner_state: { wf: 'x' },
        lease: 'host:1',
        not_before: '2026-01-01T00:01:00.000Z',
        end_timestamp: '2026-01-01T00:02:00.000Z',
      });
      store.insertExecution(rec);
      expect(store.getExecution('e1')).toEqual(rec);
      expect(store.getExecution('missing')).toBeUndefined();
    });

    it('keeps a null result distinct from no result', () => {
      store.insertExecution(execution('n1', { result: null }));
      store.insertExecution(execution('n2'));
      expect(store.getExecution('n1')).toHaveProperty('result', null);
      expect(store.getExecution('n2')).not.toHaveProperty('result');
    });

    it('rejects a second insert with the same id', () => {
      store.insertExecution(execution('dup'));
      expect(() => store.insertExecution(execution('dup'))).toThrow();
    });

    it('updates with compare-and-set on status', () => {
      store.insertExecution(execution('c1'));
      const running = execution('c1', { status: 'running', lease: 'me' });
      expect(store.updateExecution(running, 'requested')).toBe(true);
      // A second writer that still believes the status is `requested` loses.
      expect(store.updateExecution(execution('c1', { status: 'canceled' }), 'requested')).toBe(false);
      expect(store.getExecution('c1')?.status).toBe('running');
      expect(
        store.updateExecution(execution('c1', { status: 'succeeded', result: { ok: 1 } }), 'running'),
      ).toBe(true);
      expect(store.getExecution('c1')).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
      // Without expectedStatus the update is unconditional; unknown id → false.
      expect(store.updateExecution(execution('c1', { status: 'failed' }))).toBe(true);
      expect(store.updateExecution(execution('nope', { status: 'failed' }))).toBe(false);
    });

    it('reads an execution lease cheaply when supported', () => {
      if (!store.getExecutionLease) return;
      store.insertExecution(execution('l1', { lease: 'host:1:a' }));
      store.insertExecution(execution('l2'));
      expect(store.getExecutionLease('l1')).toBe('host:1:a');
      expect(store.getExecutionLease('l2')).toBeNull();
      expect(store.getExecutionLease('nope')).toBeUndefined();
    });

    it('clears optional fields that an update drops', () => {
      store.insertExecution(execution('o1', { lease: 'me', not_before: '2026-01-01T00:00:00.000Z' }));
      store.updateExecution(execution('o1', { status: 'running' }));
      const got = store.getExecution('o1')!;
      expect(got.lease).toBeUndefined();
      expect(got.not_before).toBeUndefined();
    });

    it('lists by action, status (one or many), parent, with order, limit and offset', () => {
      for (let i = 0; i < 6; i++) {
        store.insertExecution(
          execution(`l${i}`, {
            action: i % 2 ? 'core.local' : 'core.noop',
            status: i < 3 ? 'succeeded' : 'running',
            parent: i === 5 ? 'l0' : undefined,
            start_timestamp: `2026-01-01T00:00:0${i}.000Z`,
          }),
        );
      }
      expect(store.listExecutions({}).map((r) => r.id)).toEqual(['l5', 'l4', 'l3', 'l2', 'l1', 'l0']);
      expect(store.listExecutions({ order: 'asc', limit: 2 }).map((r) => r.id)).toEqual(['l0', 'l1']);
      expect(store.listExecutions({ order: 'asc', limit: 2, offset: 2 }).map((r) => r.id)).toEqual([
        'l2',
        'l3',
      ]);
      expect(store.listExecutions({ action: 'core.local' }).map((r) => r.id)).toEqual(['l5', 'l3', 'l1']);
      expect(store.listExecutions({ status: 'running' }).map((r) => r.id)).toEqual(['l5', 'l4', 'l3']);
      expect(
        store.listExecutions({ status: ['running', 'succeeded'], action: 'core.noop' }).map((r) => r.id),
      ).toEqual(['l4', 'l2', 'l0']);
      expect(store.listExecutions({ parent: 'l0' }).map((r) => r.id)).toEqual(['l5']);
      expect(store.countExecutions({})).toBe(6);
      expect(store.countExecutions({ status: 'succeeded' })).toBe(3);
      expect(store.countExecutions({ status: [] })).toBe(0);
    });

    it('lists by user, rule and a start-time window, alone or with the other filters', () => {
      const users = ['alice', 'bob', 'alice', 'bob', 'alice'];
      for (const [i, user] of users.entries()) {
        store.insertExecution(
          execution(`w${i}`, {
            status: i === 4 ? 'failed' : 'succeeded',
            context: { user, ...(i % 2 ? { rule: { ref: 'ops.on_alert' } } : {}) },
            start_timestamp: `2026-03-0${i + 1}T12:00:00.000Z`,
          }),
        );
      }
      const ids = (q: Parameters<Store['listExecutions']>[0]) => store.listExecutions(q).map((r) => r.id);
      expect(ids({ user: 'alice' })).toEqual(['w4', 'w2', 'w0']);
      expect(ids({ rule: 'ops.on_alert' })).toEqual(['w3', 'w1']);
      expect(ids({ since: '2026-03-02T12:00:00.000Z' })).toEqual(['w4', 'w3', 'w2', 'w1']);
      expect(ids({ until: '2026-03-02T12:00:00.000Z' })).toEqual(['w0']);
      expect(
        ids({ since: '2026-03-02T00:00:00.000Z', until: '2026-03-04T00:00:00.000Z', user: 'bob' }),
      ).toEqual(['w1']);
      expect(ids({ user: 'alice', status: 'failed' })).toEqual(['w4']);
      expect(ids({ user: 'nobody' })).toEqual([]);
      expect(store.countExecutions({ user: 'bob', rule: 'ops.on_alert' })).toBe(2);
    });

    it('finds an execution by its dedupe key and refuses a second one with the same key', () => {
      if (!store.findExecutionByDedupeKey) return;
      store.insertExecution(execution('d1', { context: { user: 'u', dedupe_key: 'k1' } }));
      expect(store.findExecutionByDedupeKey('k1')?.id).toBe('d1');
      expect(store.findExecutionByDedupeKey('k2')).toBeUndefined();
      expect(() =>
        store.insertExecution(execution('d2', { context: { user: 'u', dedupe_key: 'k1' } })),
      ).toThrow();
    });

    it('appends output and lists it after a sequence number', () => {
      for (let seq = 0; seq < 4; seq++) {
        store.appendOutput({
          execution_id: 'x',
          seq,
          stream: seq % 2 ? 'stderr' : 'stdout',
          data: `line ${seq}\n`,
          timestamp: '2026-01-01T00:00:00.000Z',
        });
      }
      expect(store.listOutput('x').map((c) => c.seq)).toEqual([0, 1, 2, 3]);
      expect(store.listOutput('x', 1)).toEqual([
        {
          execution_id: 'x',
          seq: 2,
          stream: 'stdout',
          data: 'line 2\n',
          timestamp: '2026-01-01T00:00:00.000Z',
        },
        {
          execution_id: 'x',
          seq: 3,
          stream: 'stderr',
          data: 'line 3\n',
          timestamp: '2026-01-01T00:00:00.000Z',
        },
      ]);
      expect(store.listOutput('other')).toEqual([]);
    });

    it('stores trigger instances, their status and dedupe keys', () => {
      store.insertTriggerInstance(triggerInstance('t1', { dedupe_key: 'idem-1' }));
      store.insertTriggerInstance(
        triggerInstance('t2', {
          trigger: 'core.st2.IntervalTimer',
          occurrence_time: '2026-01-01T00:00:01.000Z',
        }),
      );
      store.setTriggerInstanceStatus('t1', 'processed');
      expect(store.getTriggerInstance('t1')).toMatchObject({
        status: 'processed',
        payload: { body: { x: 1 } },
      });
      expect(store.findTriggerInstanceByDedupeKey('idem-1')?.id).toBe('t1');
      expect(store.findTriggerInstanceByDedupeKey('nope')).toBeUndefined();
      expect(store.listTriggerInstances({}).map((t) => t.id)).toEqual(['t2', 't1']);
      expect(store.listTriggerInstances({ status: 'processed' }).map((t) => t.id)).toEqual(['t1']);
      expect(store.listTriggerInstances({ trigger: 'core.st2.IntervalTimer' }).map((t) => t.id)).toEqual([
        't2',
      ]);
      expect(store.listTriggerInstances({ limit: 1 })).toHaveLength(1);
    });

    it('stores rule enforcements', () => {
      store.insertRuleEnforcement({
        id: 'r1',
        rule: { ref: 'p.r' },
        trigger_instance_id: 't1',
        execution_id: 'e1',
        status: 'succeeded',
        enforced_at: '2026-01-01T00:00:00.000Z',
      });
      store.insertRuleEnforcement({
        id: 'r2',
        rule: { ref: 'p.other' },
        trigger_instance_id: 't1',
        status: 'failed',
        failure_reason: 'boom',
        enforced_at: '2026-01-01T00:00:01.000Z',
      });
      expect(store.listRuleEnforcements({ rule: 'p.r' }).map((e) => e.id)).toEqual(['r1']);
      expect(store.listRuleEnforcements({ trigger_instance_id: 't1' }).map((e) => e.id)).toEqual([
        'r2',
        'r1',
      ]);
      expect(store.listRuleEnforcements({})[0]).toMatchObject({ failure_reason: 'boom' });
    });

    it('answers an inquiry exactly once', () => {
      store.upsertInquiry(inquiry('i1'));
      expect(store.respondInquiry('i1', { continue: true }, 'alice')).toBe(true);
      expect(store.respondInquiry('i1', { continue: false }, 'mallory')).toBe(false);
      expect(store.getInquiry('i1')).toMatchObject({
        status: 'succeeded',
        response: { continue: true },
        responded_by: 'alice',
      });
      expect(store.respondInquiry('missing', {}, 'x')).toBe(false);
      store.upsertInquiry(inquiry('i2', { created_at: '2026-01-02T00:00:00.000Z' }));
      store.upsertInquiry(inquiry('i3', { status: 'timeout' }));
      expect(store.listInquiries({ status: 'pending' }).map((i) => i.id)).toEqual(['i2']);
      expect(store.listInquiries({}).length).toBe(3);
      store.upsertInquiry(inquiry('i2', { status: 'canceled' }));
      expect(store.getInquiry('i2')?.status).toBe('canceled');
    });

    it('saves and loads workflow state', () => {
      expect(store.loadWorkflowState('w')).toBeUndefined();
      store.saveWorkflowState('w', { tasks: ['a'] });
      store.saveWorkflowState('w', { tasks: ['a', 'b'] });
      expect(store.loadWorkflowState('w')).toEqual({ tasks: ['a', 'b'] });
    });

    it('manages api keys', () => {
      const key = {
        id: 'k1',
        name: 'ci',
        user: 'bot',
        key_hash: 'h1',
        created_at: '2026-01-01T00:00:00.000Z',
        enabled: true,
      };
      store.insertApiKey(key);
      store.insertApiKey({ ...key, id: 'k2', name: 'other', key_hash: 'h2' });
      expect(store.listApiKeys().map((k) => k.id)).toEqual(['k1', 'k2']);
      expect(store.findApiKeyByHash('h1')).toEqual(key);
      expect(store.findApiKeyByHash('h1')).toEqual(key); // a second lookup (cached) answers the same
      expect(store.deleteApiKey('ci')).toBe(true);
      expect(store.findApiKeyByHash('h1')).toBeUndefined(); // a deleted key stops authenticating at once
      expect(store.deleteApiKey('k2')).toBe(true);
      expect(store.deleteApiKey('k2')).toBe(false);
      expect(store.listApiKeys()).toEqual([]);
    });

    it('saves chat message refs and meta values', () => {
      const ref = {
        key: 'execution:1',
        adapter: 'slack',
        data: { ts: '1.2' },
        updated_at: '2026-01-01T00:00:00Z',
      };
      store.saveChatMessage(ref);
      store.saveChatMessage({ ...ref, data: { ts: '1.3' } });
      expect(store.getChatMessage('execution:1')?.data).toEqual({ ts: '1.3' });
      expect(store.getChatMessage('nope')).toBeUndefined();
      expect(store.getMeta('m')).toBeUndefined();
      store.setMeta('m', '1');
      store.setMeta('m', '2');
      expect(store.getMeta('m')).toBe('2');
    });

    it('rolls a transaction back when it throws', () => {
      expect(() =>
        store.transaction(() => {
          store.insertExecution(execution('tx1'));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.getExecution('tx1')).toBeUndefined();
      expect(
        store.transaction(() => {
          store.insertExecution(execution('tx2'));
          return 42;
        }),
      ).toBe(42);
      expect(store.getExecution('tx2')).toBeDefined();
    });

    it('prunes only completed executions and old trigger instances and output', () => {
      const old = '2025-01-01T00:00:00.000Z';
      store.insertExecution(execution('old-done', { status: 'succeeded', start_timestamp: old }));
      store.insertExecution(execution('old-running', { status: 'running', start_timestamp: old }));
      store.insertExecution(execution('new-done', { status: 'failed' }));
      store.appendOutput({ execution_id: 'old-done', seq: 0, stream: 'stdout', data: 'a', timestamp: old });
      store.appendOutput({
        execution_id: 'old-running',
        seq: 0,
        stream: 'stdout',
        data: 'b',
        timestamp: old,
      });
      store.appendOutput({
        execution_id: 'new-done',
        seq: 0,
        stream: 'stdout',
        data: 'c',
        timestamp: '2026-01-01T00:00:00.000Z',
      });
      store.insertTriggerInstance(triggerInstance('t-old', { occurrence_time: old }));
      store.insertTriggerInstance(triggerInstance('t-new'));
      const counts = store.prune({
        executions: '2025-06-01T00:00:00.000Z',
        triggerInstances: '2025-06-01T00:00:00.000Z',
        output: '2025-06-01T00:00:00.000Z',
      });
      expect(counts).toEqual({ executions: 1, triggerInstances: 1, output: 2 });
      expect(store.getExecution('old-done')).toBeUndefined();
      expect(store.getExecution('old-running')).toBeDefined();
      expect(store.listOutput('old-running')).toEqual([]);
      expect(store.listOutput('new-done')).toHaveLength(1);
      expect(store.getTriggerInstance('t-old')).toBeUndefined();
      expect(store.getTriggerInstance('t-new')).toBeDefined();
      expect(store.prune({})).toEqual({ executions: 0, triggerInstances: 0, output: 0 });
    });
  });
}
