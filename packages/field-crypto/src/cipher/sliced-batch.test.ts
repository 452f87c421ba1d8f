import { processInSlices, SLICE_MS, withoutSlicing } from './sliced-batch';

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
});
