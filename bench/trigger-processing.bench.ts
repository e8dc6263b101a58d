/**
 * Trigger processing without HTTP (issue #3's noop path, minus the socket work): the server's engine in this
 * process (server role, SQLite file with group commit, audit log on, the bench pack), fed webhook-shaped trigger
 * instances 10 per event-loop turn — each turn waits for its commit, as the webhook route does — until 20,000 are
 * accepted, then drained until every noop execution has succeeded. The webhook bench's rates move with the load
 * driver sharing the machine; these figures isolate what a trigger instance and its execution cost the engine.
 *   processing.noop                 executions/s, first accept to last success
 *   processing.noop.cpu             µs of CPU per execution (this process, all threads: WAL checkpoints included)
 *   processing.noop.main-thread     µs the main thread was busy per execution (event-loop utilisation): the figure
 *                                   that bounds throughput, since the engine's work is on that one thread
 *   processing.noop.gc              ms of GC pause per 1,000 executions, and the number of minor GCs per 1,000
 * GC figures are under this process's V8 defaults (`squall start` runs with an 8 MB young generation).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { loadConfig } from '../engine/config/load-config.ts';
import { createEngine } from '../engine/index.ts';
import { createLogger } from '../engine/log/logger.ts';
import type { BenchResult } from './run.ts';

const INSTANCES = 20_000;
const PER_TURN = 10;
const ACTIVE = ['requested', 'scheduled', 'running', 'delayed'] as const;
const PAYLOAD_HEADERS = {
  'content-type': 'application/json',
  'content-length': '16',
  host: '127.0.0.1:9101',
  connection: 'keep-alive',
};

export async function benchTriggerProcessing(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squall-bench-processing-'));
  const loaded = loadConfig({
    env: {
      SQUALL_DATA_DIR: dataDir,
      SQUALL_PACKS_PATH: path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures'),
    },
  });
  const engine = await createEngine(loaded.engine, {
    logger: createLogger({ level: 'warn' }),
    role: 'server',
  });
  const gc: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gc.push(...list.getEntries()));
  try {
    await engine.start();
    observer.observe({ entryTypes: ['gc'] });
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    for (let sent = 0; sent < INSTANCES; ) {
      for (let i = 0; i < PER_TURN; i++, sent++) {
        engine.dispatchTrigger(
          'core.st2.webhook',
          { headers: { ...PAYLOAD_HEADERS }, body: { kind: 'noop' } },
          { parameters: { url: 'bench-noop' } },
        );
      }
      await engine.durable();
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (
      engine.listTriggerInstances({ status: 'pending', limit: 1 }).length > 0 ||
      engine.countExecutions({ action: 'core.noop', status: [...ACTIVE] }) > 0
    )
      await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const mainThread = performance.eventLoopUtilization(elu0);
    observer.disconnect();
    const succeeded = engine.countExecutions({ action: 'core.noop', status: ['succeeded'] });
    if (succeeded !== INSTANCES) throw new Error(`processing bench: ${succeeded} of ${INSTANCES} succeeded`);
    const minor = gc.filter(
      (e) =>
        (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ===
        constants.NODE_PERFORMANCE_GC_MINOR,
    );
    const gcMs = gc.reduce((sum, e) => sum + e.duration, 0);
    return [
      { name: 'processing.noop', value: Math.round(INSTANCES / seconds), unit: 'executions/s' },
      {
        name: 'processing.noop.cpu',
        value: Math.round((cpu.user + cpu.system) / INSTANCES),
        unit: 'µs/execution',
      },
      {
        // The bound when the main thread is saturated (utilisation ~1): its busy time per execution.
        name: 'processing.noop.main-thread',
        value: Math.round((mainThread.active * 1000) / INSTANCES),
        unit: 'µs/execution',
      },
      {
        name: 'processing.noop.gc',
        value: Number(((gcMs * 1000) / INSTANCES).toFixed(1)),
        unit: 'ms per 1,000',
      },
      {
        name: 'processing.noop.minor-gcs',
        value: Number(((minor.length * 1000) / INSTANCES).toFixed(1)),
        unit: 'per 1,000',
      },
    ];
  } finally {
    observer.disconnect();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
