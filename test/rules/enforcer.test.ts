import { describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../engine/model/action.ts';
import type { RuleDefinition, RuleEnforcement } from '../../engine/model/rule.ts';
import type { TriggerInstance } from '../../engine/model/trigger.ts';
import { enforceRules } from '../../engine/rules/enforcer.ts';
import { RuleEngine } from '../../engine/rules/rule-engine.ts';
import type { ExecutionRequest } from '../../engine/runners/runner.ts';

const local: ActionDefinition = {
  ref: 'core.local',
  name: 'local',
  pack: 'core',
  enabled: true,
  runner_type: 'local-shell-cmd',
  parameters: { cmd: { type: 'string', required: true } },
  metadata_file: '/p/core/actions/local.yaml',
  pack_path: '/p/core',
};

function rule(name: string, extra: Partial<RuleDefinition> = {}): RuleDefinition {
  return {
    ref: `ops.${name}`,
    name,
    pack: 'ops',
    enabled: true,
    trigger: { type: 'core.st2.webhook', parameters: { url: 'deploy' } },
    criteria: { 'trigger.body.env': { type: 'equals', pattern: 'prod' } },
    action: {
      ref: 'core.local',
      parameters: { cmd: 'deploy {{ trigger.body.branch }}', label: '{{ st2kv.system.label }}' },
    },
    metadata_file: '',
    ...extra,
  };
}

const ti = (body: Record<string, unknown>): TriggerInstance => ({
  id: 'ti-9',
  trigger: 'core.st2.webhook',
  trigger_parameters: { url: 'deploy' },
  payload: { body, headers: {} },
  occurrence_time: '2026-01-01T00:00:00.000Z',
  status: 'processing',
});

function harness(rules: RuleDefinition[], opts: { fail?: string } = {}) {
  const stored: RuleEnforcement[] = [];
  const requests: ExecutionRequest[] = [];
  let n = 0;
  const deps = {
    engine: new RuleEngine(rules),
    getAction: (ref: string) => (ref === 'core.local' ? local : undefined),
    store: { insertRuleEnforcement: (e: RuleEnforcement) => void stored.push(e) },
    requestExecution: async (req: ExecutionRequest) => {
      if (opts.fail) throw new Error(opts.fail);
      requests.push(req);
      return { id: `ex-${requests.length}` };
    },
    newId: () => `enf-${++n}`,
    st2kv: async () => ({ system: { label: 'L' } }),
    now: () => new Date('2026-02-02T00:00:00.000Z'),
  };
  return { deps, stored, requests };
}

describe('enforceRules', () => {
  it('requests the execution with rule context and records a succeeded enforcement', async () => {
    const h = harness([rule('deploy', { run_as: 'deployer' })]);
    const out = await enforceRules(ti({ env: 'prod', branch: 'main; reboot' }), h.deps);
    expect(h.requests).toEqual([
      {
        action: 'core.local',
        parameters: { cmd: "deploy 'main; reboot'", label: 'L' },
        context: {
          user: 'deployer',
          rule: { ref: 'ops.deploy' },
          trigger_instance: { id: 'ti-9', trigger: 'core.st2.webhook' },
        },
        untrustedParameters: ['cmd'],
      },
    ]);
    expect(out).toEqual([
      {
        id: 'enf-1',
        rule: { ref: 'ops.deploy' },
        trigger_instance_id: 'ti-9',
        execution_id: 'ex-1',
        status: 'succeeded',
        enforced_at: '2026-02-02T00:00:00.000Z',
      },
    ]);
    expect(h.stored).toEqual(out);
  });

  it('runs as system by default and does nothing for rules that do not match', async () => {
    const h = harness([rule('deploy')]);
    expect(await enforceRules(ti({ env: 'dev' }), h.deps)).toEqual([]);
    await enforceRules(ti({ env: 'prod', branch: 'x' }), h.deps);
    expect(h.requests[0]!.context.user).toBe('system');
  });

  it('a missing action is a failed enforcement, not an exception', async () => {
    const h = harness([rule('ghost', { action: { ref: 'nope.missing' } })]);
    const out = await enforceRules(ti({ env: 'prod' }), h.deps);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      status: 'failed',
      failure_reason: 'Action "nope.missing" doesn\'t exist',
      rule: { ref: 'ops.ghost' },
    });
    expect(out[0]!.execution_id).toBeUndefined();
    expect(h.requests).toEqual([]);
  });

  it('render errors and refused requests are failed enforcements; other rules still run', async () => {
    const broken = rule('broken', {
      action: { ref: 'core.local', parameters: { cmd: '{{ trigger.body.no.such }}' } },
    });
    const good = rule('good');
    const h = harness([broken, good]);
    const out = await enforceRules(ti({ env: 'prod', branch: 'b' }), h.deps);
    expect(out.map((e) => [e.rule.ref, e.status])).toEqual([
      ['ops.broken', 'failed'],
      ['ops.good', 'succeeded'],
    ]);
    expect(out[0]!.failure_reason).toMatch(/^Failed to render parameter "cmd": /);

    const refused = harness([good], { fail: 'Action "core.local" is disabled' });
    const r = await enforceRules(ti({ env: 'prod', branch: 'b' }), refused.deps);
    expect(r[0]).toMatchObject({ status: 'failed', failure_reason: 'Action "core.local" is disabled' });
  });

  it('criteria exceptions are recorded as failed enforcements with st2 wording', async () => {
    const h = harness([rule('typed', { criteria: { 'trigger.body.count': { type: 'gt', pattern: 3 } } })]);
    const out = await enforceRules(ti({ count: 'many' }), h.deps);
    expect(out).toHaveLength(1);
    expect(out[0]!.status).toBe('failed');
    expect(out[0]!.failure_reason).toBe(
      `Failed to match rule "ops.typed" against trigger instance "ti-9": There might be a problem with the criteria in rule ops.typed: '>' not supported between instances of 'str' and 'int'`,
    );
    expect(h.requests).toEqual([]);
  });
});
