/**
 * Rules hot path: 1,000 rules over 100 trigger types (10 per type), each with an `equals` and a `regex`
 * criterion; events spread evenly over the types; every match renders its action parameters (shell-cmd
 * runner, so trigger values in `cmd` are shell-quoted). Reports events/s and p99 latency per event.
 */
import type { ActionDefinition } from '../engine/model/action.ts';
import type { RuleDefinition } from '../engine/model/rule.ts';
import type { TriggerInstance } from '../engine/model/trigger.ts';
import { renderRuleActionParameters } from '../engine/rules/action-parameters.ts';
import { RuleEngine } from '../engine/rules/rule-engine.ts';

const TYPES = 100;
const RULES_PER_TYPE = 10;
const WARMUP_EVENTS = 20_000;
const EVENTS = 200_000;

const action: ActionDefinition = {
  ref: 'core.local',
  name: 'local',
  pack: 'core',
  enabled: true,
  runner_type: 'local-shell-cmd',
  parameters: { cmd: { type: 'string', required: true } },
  metadata_file: '',
  pack_path: '',
};

function makeRules(): RuleDefinition[] {
  const rules: RuleDefinition[] = [];
  for (let t = 0; t < TYPES; t++) {
    for (let j = 0; j < RULES_PER_TYPE; j++) {
      const name = `rule_${t}_${j}`;
      rules.push({
        ref: `bench.${name}`,
        name,
        pack: 'bench',
        enabled: true,
        trigger: { type: `bench.event_${t}` },
        criteria: {
          'trigger.kind': { type: 'equals', pattern: `kind-${j}` },
          'trigger.message': { type: 'regex', pattern: `^(alert|warn)-\\d+ .*host-${j}` },
        },
        action: {
          ref: 'core.local',
          parameters: {
            cmd: `notify --rule ${name} --host {{ trigger.host }} --msg {{ trigger.message }}`,
            severity: '{{ trigger.severity }}',
          },
        },
        metadata_file: '',
      });
    }
  }
  return rules;
}

function makeEvents(n: number): TriggerInstance[] {
  const events: TriggerInstance[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i * 7) % RULES_PER_TYPE;
    events.push({
      id: `ti-${i}`,
      trigger: `bench.event_${i % TYPES}`,
      payload: {
        kind: `kind-${j}`,
        message: `alert-${i} disk full on host-${j}`,
        host: `host-${j}`,
        severity: i % 3,
      },
      occurrence_time: '2026-01-01T00:00:00.000Z',
      status: 'processing',
    });
  }
  return events;
}

function processEvent(engine: RuleEngine, event: TriggerInstance): number {
  let rendered = 0;
  for (const m of engine.match(event)) {
    if (!m.matched) continue;
    renderRuleActionParameters(m.rule, event, { action });
    rendered++;
  }
  return rendered;
}

export async function benchRules(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const engine = new RuleEngine(makeRules());
  const warm = makeEvents(WARMUP_EVENTS);
  for (const e of warm) processEvent(engine, e);

  const events = makeEvents(EVENTS);
  const latencies = new Float64Array(EVENTS);
  let matched = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) {
    const t0 = process.hrtime.bigint();
    matched += processEvent(engine, events[i]!);
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (matched !== EVENTS)
    throw new Error(`bench: expected every event to match one rule, got ${matched} matches`);
  latencies.sort();
  const p = (q: number) => latencies[Math.min(EVENTS - 1, Math.floor(q * EVENTS))]!;
  return [
    {
      name: 'rules: events/s (1,000 rules, 100 trigger types, match + render)',
      value: Math.round(EVENTS / totalSeconds),
      unit: 'events/s',
    },
    { name: 'rules: p50 latency per event', value: Number(p(0.5).toFixed(1)), unit: 'µs' },
    { name: 'rules: p99 latency per event', value: Number(p(0.99).toFixed(1)), unit: 'µs' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchRules()) console.log(`${r.name}: ${r.value} ${r.unit}`);
}
