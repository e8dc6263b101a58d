/**
 * Alias dispatch speed, in memory: 500 aliases shaped like `deploy thing7 {{target}} to {{env=prod}}`.
 *   aliases.match      µs per command (AliasMatcher.match)
 *   aliases.dispatch   dispatches/s = match + parameter building/casting + an allow-list permission check
 *   aliases.no_match   µs per unmatched command (includes the did-you-mean ranking)
 * Targets: match ≤ 20 µs, dispatch ≥ 30,000/s.
 * Figures are CPU time of this process (process.cpuUsage), so a busy machine does not skew them;
 * the `.wall` variants give elapsed time for comparison.
 */
import { performance } from 'node:perf_hooks';
import { AliasMatcher } from '../aliases/matcher.ts';
import { buildExecutionParameters } from '../aliases/parameters.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { ParameterSchema } from '../engine/model/parameters.ts';

const ALIASES = 500;

function makeAliases(): AliasDefinition[] {
  const out: AliasDefinition[] = [];
  for (let i = 0; i < ALIASES; i++) {
    out.push({
      ref: `pack${i % 25}.deploy_thing${i}`,
      name: `deploy_thing${i}`,
      pack: `pack${i % 25}`,
      description: `Deploy thing ${i}`,
      enabled: true,
      action_ref: `pack${i % 25}.deploy`,
      formats: [`deploy thing${i} {{target}} to {{env=prod}}`],
      immutable_parameters: { strategy: 'rolling' },
      builtin: false,
      metadata_file: `aliases/deploy_thing${i}.yaml`,
    });
  }
  return out;
}

function makeCommands(n: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const i = (k * 7919) % ALIASES;
    out.push(
      k % 3 === 0 ? `deploy thing${i} web${k} to` : `deploy thing${i} "web ${k}" to staging timeout=30`,
    );
  }
  return out;
}

/** Runs `fn` `iterations` times after a warm-up; returns CPU and wall milliseconds. */
function timeIt(iterations: number, fn: (k: number) => void): { cpuMs: number; wallMs: number } {
  for (let k = 0; k < Math.min(iterations, 2000); k++) fn(k); // warm-up
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let k = 0; k < iterations; k++) fn(k);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

export async function benchAliases(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const aliases = makeAliases();
  const actionParameters: Record<string, string[]> = {};
  const schema: ParameterSchema = {
    target: { type: 'string' },
    env: { type: 'string' },
    timeout: { type: 'integer' },
    strategy: { type: 'string' },
  };
  for (const a of aliases) actionParameters[a.action_ref] = Object.keys(schema);
  const matcher = new AliasMatcher(aliases, { actionParameters });
  const commands = makeCommands(5000);
  const allowed = new Set(aliases.filter((_, i) => i % 2 === 0).map((a) => a.ref));
  const canRun = (user: string, ref: string) => user === 'alice' || allowed.has(ref);

  const iterations = 50_000;
  let sink = 0;
  const match = timeIt(iterations, (k) => {
    const r = matcher.match(commands[k % commands.length]!);
    if (r.kind === 'match') sink++;
  });

  const dispatch = timeIt(iterations, (k) => {
    const r = matcher.match(commands[k % commands.length]!);
    if (r.kind !== 'match') throw new Error(`bench command did not match: ${commands[k % commands.length]}`);
    if (!canRun(k % 2 ? 'alice' : 'bob', r.alias.ref)) return;
    const built = buildExecutionParameters(r.alias, r.params, schema);
    sink += built.untrustedParameters.length;
  });

  const misses = ['deplyo thing7 web to prod', 'deploy thingX web', 'what is the weather'];
  const missIterations = 2_000;
  const miss = timeIt(missIterations, (k) => {
    const r = matcher.match(misses[k % misses.length]!);
    if (r.kind === 'no_match') sink += r.suggestions.length;
  });
  if (sink < 0) console.log(sink);

  const perCommand = (ms: number, n: number) => round((ms * 1000) / n);
  return [
    { name: 'aliases.match', value: perCommand(match.cpuMs, iterations), unit: 'µs/command' },
    {
      name: 'aliases.dispatch',
      value: Math.round(iterations / (dispatch.cpuMs / 1000)),
      unit: 'dispatches/s',
    },
    { name: 'aliases.no_match', value: perCommand(miss.cpuMs, missIterations), unit: 'µs/command' },
    { name: 'aliases.match.wall', value: perCommand(match.wallMs, iterations), unit: 'µs/command' },
    {
      name: 'aliases.dispatch.wall',
      value: Math.round(iterations / (dispatch.wallMs / 1000)),
      unit: 'dispatches/s',
    },
  ];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchAliases()) console.log(`${r.name}: ${r.value} ${r.unit}`);
}
