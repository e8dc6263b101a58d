import { describe, expect, it } from 'vitest';
import { cpuMsOf, mainThreadCpuMsOf } from '../../bench/proc-cpu.ts';

describe.runIf(process.platform === 'linux')('bench CPU readings from /proc', () => {
  it("reads a process's CPU and its main thread's, the main thread's being part of the whole", () => {
    const spin = performance.now() + 50;
    while (performance.now() < spin); // some CPU on this (the main) thread, measured in 10 ms ticks
    const all = cpuMsOf(process.pid);
    const main = mainThreadCpuMsOf(process.pid);
    expect(all).toBeGreaterThan(0);
    expect(main).toBeGreaterThan(0);
    expect(main!).toBeLessThanOrEqual(all!);
  });

  it('answers undefined for a process that does not exist or no pid', () => {
    expect(cpuMsOf(2 ** 22 + 1)).toBeUndefined();
    expect(mainThreadCpuMsOf(2 ** 22 + 1)).toBeUndefined();
    expect(mainThreadCpuMsOf(undefined)).toBeUndefined();
  });
});
