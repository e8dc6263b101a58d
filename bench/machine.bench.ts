/**
 * This machine, measured the way the other benches use it, so their figures can be read against it: the same
 * VM type has been seen to differ several-fold from one day to the next (fork, page faults, syscalls), and
 * targets written for one day's machine say little on another's.
 *   machine.bare-http            req/s the webhook bench's driver (10 keep-alive connections, this process) gets
 *                                from a node:http server doing nothing but parse and answer 202
 *   machine.bare-http.p99        its p99 latency, ms
 *   machine.spawn-true           raw child_process.spawn('true'), 10 in flight: runs/s
 *   machine.syscall              µs per write(2) of one byte to /dev/null from Node
 *   machine.page-fault           µs per first touch of a fresh 4 KiB page (256 MiB buffer)
 */

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run.ts';
import { drive, p99 } from './webhook.bench.ts';

const HERE = path.dirname(new URL(import.meta.url).pathname);

async function bareHttp(): Promise<BenchResult[]> {
  const child: ChildProcess = fork(path.join(HERE, 'bare-http-server.mjs'), [], {
    execArgv: [],
    stdio: 'ignore',
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(m as number));
      child.once('exit', (code) => reject(new Error(`bare-http-server exited with ${code}`)));
    });
    await drive(port, 'calibration', '{"kind": "noop"}', 'none', 10, 1); // warm-up: JIT on both sides
    const r = await drive(port, 'calibration', '{"kind": "noop"}', 'none', 10, 5);
    return [
      { name: 'machine.bare-http', value: Math.round(r.accepted / r.seconds), unit: 'req/s' },
      { name: 'machine.bare-http.p99', value: Number(p99(r.latenciesMs).toFixed(2)), unit: 'ms' },
    ];
  } finally {
    child.kill();
  }
}

async function spawnTrue(runs = 1000, inFlight = 10): Promise<BenchResult> {
  let started = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('true', [], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < runs) {
        started++;
        await one();
      }
    }),
  );
  return {
    name: 'machine.spawn-true',
    value: Math.round(runs / ((performance.now() - t0) / 1000)),
    unit: 'runs/s',
  };
}

function syscall(calls = 200_000): BenchResult {
  const fd = openSync('/dev/null', 'w');
  const byte = Buffer.from('x');
  try {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) writeSync(fd, byte);
    return {
      name: 'machine.syscall',
      value: Number((((performance.now() - t0) * 1000) / calls).toFixed(2)),
      unit: 'µs',
    };
  } finally {
    closeSync(fd);
  }
}

function pageFault(bytes = 256 * 1024 * 1024): BenchResult {
  const t0 = performance.now();
  const buffer = Buffer.allocUnsafeSlow(bytes);
  for (let i = 0; i < bytes; i += 4096) buffer[i] = 1;
  const perPage = ((performance.now() - t0) * 1000) / (bytes / 4096);
  return { name: 'machine.page-fault', value: Number(perPage.toFixed(2)), unit: 'µs' };
}

export async function benchMachine(): Promise<BenchResult[]> {
  return [...(await bareHttp()), await spawnTrue(), syscall(), pageFault()];
}
