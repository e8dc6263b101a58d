/**
 * How a workflow execution is kept in the Store: a snapshot of its whole state (`workflow_state`, with `log_seq`,
 * the last row it includes) plus one small row per step after it (`workflow_log`: the step's causes and what it
 * read from outside, see workflow-run.ts). Recovery is the snapshot plus a replay of the later rows.
 *
 * A step costs one row, whatever the size of the workflow. A new snapshot is written when the rows since the last
 * one outweigh it (at least SNAPSHOT_MIN_BYTES), so snapshots cost O(1) amortized per row and a replay reads at
 * most about a snapshot's worth of rows; the runner also writes one when the workflow ends. Writing a snapshot
 * deletes the rows it includes, in the same transaction. A state saved before the journal existed (a
 * `workflow_state` row without `log_seq`) is a snapshot with no rows.
 */
import type { Store } from '../store/store.ts';
import type { StepRow, WorkflowRunState } from './workflow-run.ts';

/** Rows since the last snapshot must reach this size (and the snapshot's) before a new snapshot is written. */
export const SNAPSHOT_MIN_BYTES = 64 * 1024;

export class WorkflowJournal {
  readonly #store: Store;
  readonly #id: string;
  /** Seq of the last row written (or included in the snapshot). */
  #seq: number;
  #snapshotBytes: number;
  #bytesSince = 0;

  private constructor(store: Store, id: string, seq: number, snapshotBytes: number) {
    this.#store = store;
    this.#id = id;
    this.#seq = seq;
    this.#snapshotBytes = snapshotBytes;
  }

  /** The journal of a new execution: nothing written until its first snapshot. */
  static begin(store: Store, id: string): WorkflowJournal {
    return new WorkflowJournal(store, id, 0, 0);
  }

  /** The stored snapshot and the rows after it; undefined when the execution has no Orquesta state. */
  static open(
    store: Store,
    id: string,
  ): { state: WorkflowRunState; rows: StepRow[]; journal: WorkflowJournal } | undefined {
    const state = store.loadWorkflowState(id) as WorkflowRunState | undefined;
    if (state?.v !== 1 || !state.conductor) return undefined;
    const from = state.log_seq ?? 0;
    const rows: StepRow[] = [];
    let seq = from;
    let bytes = 0;
    for (const row of store.listWorkflowTransitions(id, from)) {
      rows.push(JSON.parse(row.entry) as StepRow);
      seq = row.seq;
      bytes += row.entry.length;
    }
    // The snapshot's size is not stored: the rows' size stands in until the next snapshot measures it.
    const journal = new WorkflowJournal(store, id, seq, SNAPSHOT_MIN_BYTES);
    journal.#bytesSince = bytes;
    return { state, rows, journal };
  }

  /** Seq of the last row written. */
  get seq(): number {
    return this.#seq;
  }

  /** Appends a step's row. */
  append(row: StepRow): void {
    const entry = JSON.stringify(row);
    this.#seq += 1;
    this.#store.appendWorkflowTransition(this.#id, this.#seq, entry);
    this.#bytesSince += entry.length;
  }

  /** Whether the rows since the last snapshot outweigh it: time for a new one. */
  get snapshotDue(): boolean {
    return this.#bytesSince >= Math.max(SNAPSHOT_MIN_BYTES, this.#snapshotBytes);
  }

  /** Writes the whole state as the snapshot (it includes every row so far, which are deleted). */
  snapshot(state: WorkflowRunState): void {
    state.log_seq = this.#seq;
    const text = JSON.stringify(state);
    this.#store.saveWorkflowSnapshot(this.#id, text, this.#seq);
    this.#snapshotBytes = text.length;
    this.#bytesSince = 0;
  }
}
