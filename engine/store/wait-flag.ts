/**
 * Blocks this thread until `flags[index]` is no longer 0 — a worker sets it and notifies once it has closed its
 * database connection — or `limitMs` have passed (a worker that died without closing must not hang the caller).
 * Returns whether the flag was set.
 */
export function waitForFlag(flags: Int32Array, index: number, limitMs = 5_000): boolean {
  for (let waited = 0; Atomics.load(flags, index) === 0; waited += 50) {
    if (waited >= limitMs) return false;
    Atomics.wait(flags, index, 0, 50);
  }
  return true;
}
