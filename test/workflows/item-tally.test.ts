/** With-items status counts: what the other items do, and which items have not started, without walking them. */
import { describe, expect, it } from 'vitest';
import {
  countItems,
  forgetItemCounts,
  type ItemStatus,
  setItemStatus,
  summarizeItems,
  unstartedItems,
} from '../../engine/workflows/item-tally.ts';
import { ACTIVE_STATUSES } from '../../engine/workflows/statuses.ts';

const items = (...statuses: string[]): ItemStatus[] => statuses.map((status) => ({ status }));

describe('item tally', () => {
  it('summarizes the other items, leaving one out', () => {
    const list = items('succeeded', 'running', 'null');
    expect(summarizeItems(list, 1)).toEqual({
      active: false,
      incomplete: true,
      paused: false,
      canceled: false,
      failed: false,
    });
    setItemStatus(list, 2, 'failed');
    expect(summarizeItems(list, 1)).toMatchObject({ active: false, incomplete: false, failed: true });
    expect(summarizeItems(list)).toMatchObject({ active: true, incomplete: true });
    setItemStatus(list, 1, 'pending');
    expect(summarizeItems(list, 0)).toMatchObject({ paused: true, failed: true });
    expect(countItems(list, ACTIVE_STATUSES)).toBe(0);
  });

  it('finds unstarted items in order, up to a limit, and again after a reset', () => {
    const list = items('null', 'null', 'null', 'null');
    expect(unstartedItems(list, 2)).toEqual([0, 1]);
    setItemStatus(list, 0, 'running');
    setItemStatus(list, 1, 'running');
    expect(unstartedItems(list, 10)).toEqual([2, 3]);
    expect(unstartedItems(list, 10, 3)).toEqual([2]);
    setItemStatus(list, 2, 'succeeded');
    setItemStatus(list, 3, 'succeeded');
    expect(unstartedItems(list, 10)).toEqual([]);
    setItemStatus(list, 1, 'null');
    expect(unstartedItems(list, 10)).toEqual([1]);
    // Changed in place (a rerun resets items): counted again from the list.
    for (const item of list) item.status = 'null';
    forgetItemCounts(list);
    expect(unstartedItems(list, 10)).toEqual([0, 1, 2, 3]);
  });
});
