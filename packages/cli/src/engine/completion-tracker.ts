/**
 * Batches finish out of order when several are in flight; the checkpoint may only move to the end of
 * the longest run of finished batches from the start. It stops moving for good at the first batch
 * that left work undone (a row skipped for a concurrent write, a value that failed), so a rerun
 * from the checkpoint revisits it.
 */
export class CompletionTracker<Key> {
  private readonly pending = new Map<number, { lastKey: Key; complete: boolean; clean: boolean }>();
  private next = 0;
  private frozen = false;

  /** Registers batch `seq` (0, 1, 2, ... in read order) ending at `lastKey`. */
  started(seq: number, lastKey: Key): void {
    this.pending.set(seq, { lastKey, complete: false, clean: true });
  }

  /**
   * Marks batch `seq` done; `clean` is false if it left work undone. Returns the new resume key
   * when the contiguous finished prefix grew, else `undefined`.
   */
  finished(seq: number, clean: boolean): Key | undefined {
    const entry = this.pending.get(seq);
    if (!entry) throw new RangeError(`CompletionTracker: batch ${seq} was never started`);
    entry.complete = true;
    entry.clean = clean;
    let advancedTo: Key | undefined;
    for (let head = this.pending.get(this.next); head?.complete; head = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next++;
      if (this.frozen) continue;
      if (!head.clean) {
        this.frozen = true;
        continue;
      }
      advancedTo = head.lastKey;
    }
    return advancedTo;
  }
}
