/**
 * Counts of a with-items task's item statuses, so an item event asks "are other items active, incomplete,
 * paused...?" in O(1) instead of walking the item list (which made 10,000 items quadratic). Kept beside the
 * serialized `staged.items` array (keyed by it, never serialized) and rebuilt from it when missing.
 */
import { ABENDED_STATUSES, ACTIVE_STATUSES, COMPLETED_STATUSES, S } from './statuses.ts';

export interface ItemStatus {
  status: string;
}

/** What the items other than one (or all items) are doing, as the task state machine's event suffixes need. */
export interface ItemsSummary {
  active: boolean;
  incomplete: boolean;
  paused: boolean;
  canceled: boolean;
  failed: boolean;
}

class ItemTally {
  readonly counts = new Map<string, number>();
  /** Every item before this index has started (is not unset): where the search for unstarted items begins. */
  cursor = 0;

  constructor(items: readonly ItemStatus[]) {
    for (const item of items) if (item) this.add(statusOf(item), 1);
  }

  add(status: string, n: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + n);
  }

  count(statuses: ReadonlySet<string>): number {
    let n = 0;
    for (const [status, c] of this.counts) if (statuses.has(status)) n += c;
    return n;
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

const tallies = new WeakMap<readonly ItemStatus[], ItemTally>();
const UNSET_ONLY: ReadonlySet<string> = new Set([S.UNSET]);
const PAUSED_OR_PENDING: ReadonlySet<string> = new Set([S.PENDING, S.PAUSED]);
const CANCELED: ReadonlySet<string> = new Set([S.CANCELED]);

function statusOf(item: ItemStatus | undefined): string {
  return item?.status ?? S.UNSET;
}

function tallyOf(items: readonly ItemStatus[]): ItemTally {
  let tally = tallies.get(items);
  if (!tally) {
    tally = new ItemTally(items);
    tallies.set(items, tally);
  }
  return tally;
}

/** Sets one item's status, keeping the counts in step. */
export function setItemStatus(items: ItemStatus[], index: number, status: string): void {
  const tally = tallies.get(items);
  if (tally && index < items.length) {
    const old = items[index];
    if (old) tally.add(statusOf(old), -1);
    tally.add(status, 1);
    if (status === S.UNSET && index < tally.cursor) tally.cursor = index;
  } else if (tally) {
    // Outside the list (holes appear): count from scratch next time.
    tallies.delete(items);
  }
  items[index] = { status };
}

/** Call after changing item statuses in place (rerun resets them). */
export function forgetItemCounts(items: readonly ItemStatus[]): void {
  tallies.delete(items);
}

/** Number of items with one of the statuses. */
export function countItems(items: readonly ItemStatus[], statuses: ReadonlySet<string>): number {
  return tallyOf(items).count(statuses);
}

/** What the items other than `except` (or all, without it) are doing. */
export function summarizeItems(items: readonly ItemStatus[], except?: number): ItemsSummary {
  const tally = tallyOf(items);
  const skip = except !== undefined && items[except] ? statusOf(items[except]) : undefined;
  const others = (statuses: ReadonlySet<string>) =>
    tally.count(statuses) - (skip !== undefined && statuses.has(skip) ? 1 : 0);
  const total = tally.total() - (skip !== undefined ? 1 : 0);
  return {
    active: others(ACTIVE_STATUSES) > 0,
    incomplete: total - others(COMPLETED_STATUSES) > 0,
    paused: others(PAUSED_OR_PENDING) > 0,
    canceled: others(CANCELED) > 0,
    failed: others(ABENDED_STATUSES) > 0,
  };
}

/** Indices of up to `limit` items not started yet (unset), in item order, below `below`. */
export function unstartedItems(items: readonly ItemStatus[], limit: number, below = items.length): number[] {
  const tally = tallyOf(items);
  const end = Math.min(below, items.length);
  if (tally.count(UNSET_ONLY) === 0) return [];
  while (tally.cursor < end && items[tally.cursor]?.status !== S.UNSET) tally.cursor++;
  const out: number[] = [];
  for (let i = tally.cursor; i < end && out.length < limit; i++) {
    if (items[i]?.status === S.UNSET) out.push(i);
  }
  return out;
}
