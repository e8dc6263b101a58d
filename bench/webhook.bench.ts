import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, SquallServer } from '../test/helpers/squall-process.ts';
import { driveHttp, type LoadResult } from './http-load-driver.ts';
import { cpuMsOf, mainThreadCpuMsOf } from './proc-cpu.ts';
import type { BenchResult } from './run.ts';

const BENCH_PACKS = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');

/** Drives POSTs to webhook `url` over `connections` keep-alive connections for `seconds` (this process; the server is another). */
export function drive(
  port: number,
  url: string,
  body: string,
  apiKey: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  return driveHttp({
    port,
    requestPath: `/api/v1/webhooks/${url}`,
    body,
    headers: { 'st2-api-key': apiKey },
    connections,
    seconds,
  });
}

/** The value below which a fraction `q` of `values` lies (nearest rank). */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

export function p99(values: number[]): number {
  return percentile(values, 0.99);
}

function adminHeaders(server: SquallServer): Record<string, string> {
  return { 'x-auth-token': readFileSync(path.join(server.dataDir, 'admin.token'), 'utf8') };
}

async function countSucceeded(server: SquallServer, action: string): Promise<number> {
  const response = await fetch(`${server.url}/api/v1/executions?action=${action}&status=succeeded&limit=1`, {
    headers: adminHeaders(server),
  });
  return Number(response.headers.get('x-total-count'));
}

/**
 * True once nothing accepted is left to do: no trigger instance pending, no execution of `action` still active.
 * Both are small index lookups, so polling them does not slow the drain it measures (counting every succeeded
 * execution each time did).
 */
async function drained(server: SquallServer, action: string): Promise<boolean> {
  const headers = adminHeaders(server);
  const pending = (await (
    await fetch(`${server.url}/api/v1/triggerinstances?status=pending&limit=1`, { headers })
  ).json()) as unknown[];
  if (pending.length > 0) return false;
  const active = await fetch(
    `${server.url}/api/v1/executions?action=${action}&status=requested,scheduled,running,delayed&limit=1`,
    { headers },
  );
  return Number(active.headers.get('x-total-count')) === 0;
}

/** Polls until drained (at most `limitMs`); returns the seconds it took. */
async function waitDrained(server: SquallServer, action: string, limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs && !(await drained(server, action)))
    await new Promise((r) => setTimeout(r, 50));
  return (performance.now() - start) / 1000;
}

/** Figures of one noop run (bench (a)) on a fresh server. */
interface NoopRun {
  accepted: number;
  p99: number;
  completed: number;
  drained: number;
  cpuPerRequest?: number;
  mainThreadPerRequest?: number;
  other: number;
  succeededRatio: number;
}

/** How many times (a) runs, each on a fresh server: its figures are the median (this VM varies ±25% run to run). */
const NOOP_RUNS = 3;

async function startBenchServer(): Promise<{ server: SquallServer; apiKey: string }> {
  const server = await SquallServer.create({
    SQUALL_PACKS_PATH: BENCH_PACKS,
    SQUALL_LOG_LEVEL: 'warn',
    // The audit log stays on (the default): every execution writes its hash-chained lines, as in production.
  });
  try {
    await server.start();
    const key = await runCli(['apikey', 'create', '--json'], server.cliEnv);
    return { server, apiKey: (JSON.parse(key.stdout) as { key: string }).key };
  } catch (error) {
    server.cleanup();
    throw error;
  }
}

async function stopBenchServer(server: SquallServer): Promise<void> {
  await server.stop('SIGTERM');
  server.cleanup();
}

async function noopRun(): Promise<NoopRun> {
  const { server, apiKey } = await startBenchServer();
  try {
    const pid = server.child?.pid;
    const cpu0 = cpuMsOf(pid);
    const main0 = mainThreadCpuMsOf(pid);
    const noop = await drive(server.port, 'bench-noop', '{"kind": "noop"}', apiKey, 10, 10);
    const drainSeconds = await waitDrained(server, 'core.noop', 30_000);
    const cpu1 = cpuMsOf(pid);
    const main1 = mainThreadCpuMsOf(pid);
    const completed = await countSucceeded(server, 'core.noop');
    return {
      accepted: noop.accepted / noop.seconds,
      p99: p99(noop.latenciesMs),
      completed: completed / (noop.seconds + drainSeconds),
      drained: drainSeconds,
      // Less sensitive to other load on the machine than the rates: what one webhook and its execution cost.
      cpuPerRequest:
        cpu0 !== undefined && cpu1 !== undefined
          ? Math.round(((cpu1 - cpu0) * 1000) / Math.max(1, completed))
          : undefined,
      mainThreadPerRequest:
        main0 !== undefined && main1 !== undefined
          ? Math.round(((main1 - main0) * 1000) / Math.max(1, completed))
          : undefined,
      // 429/503 (or worse) under load would not count as accepted; say so rather than hide it in the rate.
      other: noop.sent - noop.accepted,
      succeededRatio: completed / Math.max(1, noop.accepted),
    };
  } finally {
    await stopBenchServer(server);
  }
}

/**
 * (a) webhook → rule → core.noop → execution recorded; (b) webhook → core.local `true`.
 * The server is a `squall start` child process with its default configuration (audit log on, WAL with
 * synchronous=NORMAL and group commit: a 202 means the trigger instance is committed); this process is the load
 * driver (10 keep-alive connections). (a) runs NOOP_RUNS times on fresh servers and reports each figure's median,
 * with the slowest and fastest accepted rates. For (b) the figure that counts is completed executions/s: webhooks
 * are accepted faster than shell actions finish, and the backlog is drained before the clock stops.
 */
export async function benchWebhooks(): Promise<BenchResult[]> {
  const runs: NoopRun[] = [];
  for (let i = 0; i < NOOP_RUNS; i++) runs.push(await noopRun());
  const of = (pick: (run: NoopRun) => number) => percentile(runs.map(pick), 0.5);
  const cpu = runs.every((r) => r.cpuPerRequest !== undefined) ? of((r) => r.cpuPerRequest!) : undefined;
  const mainThread = runs.every((r) => r.mainThreadPerRequest !== undefined)
    ? of((r) => r.mainThreadPerRequest!)
    : undefined;
  const results: BenchResult[] = [
    { name: 'webhook→rule→noop accepted', value: of((r) => r.accepted), unit: 'req/s' },
    { name: 'webhook→rule→noop p99 latency', value: of((r) => r.p99), unit: 'ms' },
    { name: 'webhook→rule→noop completed executions', value: of((r) => r.completed), unit: 'executions/s' },
    { name: 'webhook→rule→noop backlog drained after load', value: of((r) => r.drained), unit: 's' },
    ...(cpu !== undefined
      ? [
          {
            name: 'webhook→rule→noop server CPU per request (all threads, accept + execution)',
            value: cpu,
            unit: 'µs',
          },
        ]
      : []),
    ...(mainThread !== undefined
      ? [
          {
            // The event loop's share: the thread the webhook path is bound by (compare runs with this, not rates).
            name: 'webhook→rule→noop server main thread per request',
            value: mainThread,
            unit: 'µs',
          },
        ]
      : []),
    {
      name: 'webhook→rule→noop answers other than 202',
      value: Math.max(...runs.map((r) => r.other)),
      unit: 'responses',
    },
    {
      name: 'webhook→rule→noop succeeded / accepted',
      value: Math.min(...runs.map((r) => r.succeededRatio)),
      unit: 'ratio',
    },
    {
      name: `webhook→rule→noop accepted, slowest of ${NOOP_RUNS} runs`,
      value: Math.min(...runs.map((r) => r.accepted)),
      unit: 'req/s',
    },
    {
      name: `webhook→rule→noop accepted, fastest of ${NOOP_RUNS} runs`,
      value: Math.max(...runs.map((r) => r.accepted)),
      unit: 'req/s',
    },
  ];

  const { server, apiKey } = await startBenchServer();
  try {
    const shell = await drive(server.port, 'bench-true', '{}', apiKey, 10, 10);
    results.push({
      name: 'webhook→rule→local-shell-cmd true accepted',
      value: shell.accepted / shell.seconds,
      unit: 'req/s',
    });
    const shellDrain = await waitDrained(server, 'core.local', 60_000);
    const shellDone = await countSucceeded(server, 'core.local');
    results.push({
      name: 'webhook→rule→local-shell-cmd true completed',
      value: shellDone / (shell.seconds + shellDrain),
      unit: 'executions/s',
    });
  } finally {
    await stopBenchServer(server);
  }
  return results;
}
