/**
 * `npm run bench [-- --json] [-- <name>...]`: runs the benchmarks (never part of `npm test`).
 * Human output by default; `--json` prints one `{"name", "value", "unit"}` object per line.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

type Bench = () => Promise<BenchResult[]>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  machine: async () => (await import('./machine.bench.ts')).benchMachine,
  rules: async () => (await import('./rules.bench.ts')).benchRules,
  aliases: async () => (await import('./aliases.bench.ts')).benchAliases,
  dispatch: async () => (await import('./dispatch.bench.ts')).benchDispatch,
  workflows: async () => (await import('./workflows.bench.ts')).benchWorkflows,
  'workflow-scale': async () => (await import('./workflow-scale.bench.ts')).benchWorkflowScale,
  processing: async () => (await import('./trigger-processing.bench.ts')).benchTriggerProcessing,
  webhooks: async () => (await import('./webhook.bench.ts')).benchWebhooks,
  'local-spawn': async () => (await import('./local-spawn.bench.ts')).benchLocalSpawn,
};

export async function runBenchmarks(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const wanted = args.filter((a) => !a.startsWith('--'));
  for (const [name, load] of Object.entries(BENCHES)) {
    if (wanted.length && !wanted.includes(name)) continue;
    const results = await (await load())();
    for (const r of results) {
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `${r.name.padEnd(60)} ${r.value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${r.unit}\n`,
        );
    }
  }
}
