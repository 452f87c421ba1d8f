import { stat } from 'node:fs';
import { nextSlice, processInSlices, sliceDeadline, SLICE_MS, withSliceBudget, withoutSlicing } from './sliced-batch';

/** Waits for every promise, then rejects with the first failure (the cipher's `settleAll`). */
async function settleAll(pending: readonly Promise<void>[]): Promise<void> {
  const outcomes = await Promise.allSettled(pending);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Busy-waits, so that a batch of these crosses slice boundaries. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('processInSlices', () => {
  it('keeps the order of sync and async results across slices', async () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const results = await processInSlices(items, (i) => {
      spin(0.1);
      return i % 3 === 0 ? Promise.resolve(`a${i}`) : `s${i}`;
    }, settleAll);
    expect(results).toEqual(items.map((i) => (i % 3 === 0 ? `a${i}` : `s${i}`)));
  });

  it('a value that fails while later slices still run rejects the batch with that failure, after every slice ran', async () => {
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    let ran = 0;
    const batch = processInSlices(items, (i) => {
      ran += 1;
      spin(SLICE_MS / 100);
      return i === 0 ? Promise.reject(new Error('bad value 0')) : `s${i}`;
    }, settleAll);
    await expect(batch).rejects.toThrow('bad value 0');
    expect(ran).toBe(items.length);
  });

  /** How many of `items` had run when a callback queued before the batch got its turn. */
  async function itemsRunBeforeOtherWork(): Promise<{ ranBefore: number; total: number }> {
    const items = Array.from({ length: 400 }, (_, i) => i);
    let ran = 0;
    let ranBefore = -1;
    setImmediate(() => void (ranBefore = ran));
    await processInSlices(items, (i) => {
      ran += 1;
      spin(SLICE_MS / 20);
      return `s${i}`;
    }, settleAll);
    await new Promise((resolve) => setImmediate(resolve)); // the queued callback has run by now
    return { ranBefore, total: items.length };
  }

  it('lets other work run between slices, and not inside withoutSlicing, which restores slicing when it settles', async () => {
    const sliced = await itemsRunBeforeOtherWork();
    expect(sliced.ranBefore).toBeGreaterThan(0);
    expect(sliced.ranBefore).toBeLessThan(sliced.total);

    const unsliced = await withoutSlicing(() => itemsRunBeforeOtherWork());
    expect(unsliced.ranBefore).toBe(unsliced.total);

    await expect(withoutSlicing(() => Promise.reject(new Error('body failed')))).rejects.toThrow('body failed');
    const after = await itemsRunBeforeOtherWork();
    expect(after.ranBefore).toBeLessThan(after.total);
  });

  /** A batch of `count` items of `itemMs` each, which reports how many items had run when each probe fired. */
  function batchOf(count: number, itemMs: number) {
    const items = Array.from({ length: count }, (_, i) => i);
    const state = { ran: 0 };
    const done = () => processInSlices(items, (i) => {
      state.ran += 1;
      spin(itemMs);
      return `s${i}`;
    }, settleAll);
    return { items, state, done };
  }

  it('yields a full turn of the event loop, even from a slice run in the poll phase: a timer due during a slice runs before the next slice', async () => {
    // Started from an I/O callback (the poll phase), as a batch started by a query's result is. One
    // setImmediate would run the second slice in the same turn's check phase, before any timer.
    const { state, done } = batchOf(128, SLICE_MS / 8); // a slice is over its budget well before its first clock check
    const fired = await new Promise<{ timer: number; immediate: number }>((resolve, reject) => {
      stat(__filename, () => {
        const seen = { timer: -1, immediate: -1 };
        setTimeout(() => void (seen.timer = state.ran), 0);
        setImmediate(() => void (seen.immediate = state.ran)); // runs right after the first slice
        done().then(() => resolve(seen), reject);
      });
    });
    expect(fired.immediate).toBeGreaterThan(0);
    expect(fired.immediate).toBeLessThan(128);
    expect(fired.timer).toBe(fired.immediate); // no second slice between the first and the timer
  });

  it('lets an I/O callback that becomes ready during a long batch run before the batch ends; without slicing only after', async () => {
    async function ranBeforeIo(): Promise<{ ran: number; total: number }> {
      const { items, state, done } = batchOf(300, 1); // about 300 ms, some 40 slices
      let ranBefore = -1;
      const io = new Promise<void>((resolve) => stat(__filename, () => resolve(void (ranBefore = state.ran))));
      await done();
      await io;
      return { ran: ranBefore, total: items.length };
    }
    const sliced = await ranBeforeIo();
    expect(sliced.ran).toBeLessThan(sliced.total);
    const unsliced = await withoutSlicing(ranBeforeIo);
    expect(unsliced.ran).toBe(unsliced.total);
  });

  it('slices at the budget withSliceBudget sets, and restores the default after, also when the body fails', async () => {
    /** The budget in force, read off sliceDeadline between two clock reads. */
    const budget = () => {
      const before = performance.now();
      const deadline = sliceDeadline();
      const after = performance.now();
      return { atLeast: deadline - after, atMost: deadline - before };
    };
    const within = ({ atLeast, atMost }: { atLeast: number; atMost: number }, ms: number) => atLeast <= ms && ms <= atMost;
    expect(within(budget(), SLICE_MS)).toBe(true);
    expect(within(await withSliceBudget(SLICE_MS / 4, () => Promise.resolve(budget())), SLICE_MS / 4)).toBe(true);
    await expect(withSliceBudget(SLICE_MS * 2, () => Promise.reject(new Error('body failed')))).rejects.toThrow('body failed');
    expect(within(budget(), SLICE_MS)).toBe(true);
    // A budget as long as the batch: one stretch, the immediate queued with it runs after the last item.
    const { items, state, done } = batchOf(64, SLICE_MS / 16);
    let ranBefore = -1;
    setImmediate(() => void (ranBefore = state.ran));
    await withSliceBudget(SLICE_MS * 1000, done);
    await nextSlice(); // the queued immediate has run by now
    expect(ranBefore).toBe(items.length);
    await expect(withSliceBudget(0, () => Promise.resolve())).rejects.toThrow(RangeError);
  });
});

describe('nextSlice', () => {
  it('resolves after a timer that was due, not before it as a microtask would', async () => {
    let timerRan = false;
    setTimeout(() => void (timerRan = true), 0);
    spin(2); // the timer is due
    await nextSlice();
    expect(timerRan).toBe(true);
  });
});
