/**
 * Local process start throughput (issue #3): `bash -c true` through runProcess, 2,000 runs with 10 in flight,
 * through the process spawner (the default) and in-process (`SQUALL_INPROCESS_SPAWN=1`), first at this process's
 * own size, then with ~300 MB of touched ballast, a server-sized RSS (fork cost grows with the parent's page
 * tables; the spawner's does not). Other work on the machine moves the figures: compare modes within one run.
 *   local-spawn.<mode>[.rss+300MB]          runs/s (elapsed)
 *   local-spawn.<mode>[.rss+300MB].blocked  mean ms the calling thread spends inside runProcess() per call
 *   local-spawn.<mode>[.rss+300MB].cpu      ms of this process's CPU (user + system) per run
 *   local-spawn.spawner[.rss+300MB].spawner-cpu  ms of the spawner process's CPU per run (Linux /proc)
 */

import { performance } from 'node:perf_hooks';
import { INPROCESS_SPAWN_ENV, localSpawner, runProcess } from '../engine/runners/local-shell/process.ts';
import type { ProcessSpec } from '../engine/runners/local-shell/process-spec.ts';
import { cpuMsOf } from './proc-cpu.ts';
import type { BenchResult } from './run.ts';

const RUNS = 2000;
const IN_FLIGHT = 10;
const WARMUP = 50;
const BALLAST_MB = 300;

type Mode = 'spawner' | 'in-process';

const never = new AbortController();
const spec: ProcessSpec = {
  file: 'bash',
  args: ['-c', 'true'],
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  signal: never.signal,
  outputCapBytes: 4096,
  onOutput() {},
};

async function drive(runs: number): Promise<{ perSecond: number; blockedMs: number; cpuMsPerRun: number }> {
  let started = 0;
  let blocked = 0;
  const worker = async () => {
    while (started < runs) {
      started++;
      const t0 = performance.now();
      const pending = runProcess(spec);
      blocked += performance.now() - t0;
      const outcome = await pending;
      if (outcome.exitCode !== 0)
        throw new Error(`bash -c true failed: ${outcome.spawnError?.message ?? outcome.exitCode}`);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: runs / seconds,
    blockedMs: blocked / runs,
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
  };
}

async function measure(mode: Mode, suffix: string): Promise<BenchResult[]> {
  const before = process.env[INPROCESS_SPAWN_ENV];
  if (mode === 'in-process') process.env[INPROCESS_SPAWN_ENV] = '1';
  else delete process.env[INPROCESS_SPAWN_ENV];
  try {
    await drive(WARMUP); // JIT, and the spawner's start
    const spawnerCpu0 = mode === 'spawner' ? cpuMsOf(localSpawner.pid) : undefined;
    const r = await drive(RUNS);
    const spawnerCpu1 = spawnerCpu0 === undefined ? undefined : cpuMsOf(localSpawner.pid);
    const name = `local-spawn.${mode}${suffix}`;
    const results = [
      { name, value: Math.round(r.perSecond), unit: 'runs/s' },
      { name: `${name}.blocked`, value: Number(r.blockedMs.toFixed(3)), unit: 'ms/call' },
      { name: `${name}.cpu`, value: Number(r.cpuMsPerRun.toFixed(3)), unit: 'ms/run' },
    ];
    if (spawnerCpu0 !== undefined && spawnerCpu1 !== undefined)
      results.push({
        name: `${name}.spawner-cpu`,
        value: Number(((spawnerCpu1 - spawnerCpu0) / RUNS).toFixed(3)),
        unit: 'ms/run',
      });
    return results;
  } finally {
    if (before === undefined) delete process.env[INPROCESS_SPAWN_ENV];
    else process.env[INPROCESS_SPAWN_ENV] = before;
  }
}

export async function benchLocalSpawn(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const mode of ['in-process', 'spawner'] as const) results.push(...(await measure(mode, '')));
  // Touched pages (fill), so they are in RSS and in the page tables fork() copies.
  const ballast = Buffer.alloc(BALLAST_MB * 1024 * 1024, 1);
  for (const mode of ['in-process', 'spawner'] as const)
    results.push(...(await measure(mode, `.rss+${BALLAST_MB}MB`)));
  results.push({
    name: 'local-spawn.rss',
    value: Math.round(process.memoryUsage().rss / 2 ** 20),
    unit: 'MB',
  });
  ballast.fill(0); // keeps the ballast alive until here
  return results;
}
