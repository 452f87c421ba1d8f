import { CompletionTracker } from './completion-tracker';

describe('CompletionTracker', () => {
  it('advances only over a contiguous run of finished batches', () => {
    const tracker = new CompletionTracker<number>();
    [10, 20, 30].forEach((lastKey, seq) => tracker.started(seq, lastKey));
    expect(tracker.finished(1, true)).toBeUndefined(); // batch 0 still in flight
    expect(tracker.finished(0, true)).toBe(20);
    expect(tracker.finished(2, true)).toBe(30);
  });

  it('stops advancing for good at the first batch that left work undone', () => {
    const tracker = new CompletionTracker<number>();
    [10, 20, 30].forEach((lastKey, seq) => tracker.started(seq, lastKey));
    expect(tracker.finished(0, true)).toBe(10);
    expect(tracker.finished(1, false)).toBeUndefined();
    expect(tracker.finished(2, true)).toBeUndefined();
    tracker.started(3, 40);
    expect(tracker.finished(3, true)).toBeUndefined();
  });

  it('Precondition: a batch finishes only after it started', () => {
    expect(() => new CompletionTracker<number>().finished(0, true)).toThrow(RangeError);
  });
});
