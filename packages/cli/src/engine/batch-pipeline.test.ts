import { runPipeline } from './batch-pipeline';

async function* batches(weights: readonly number[]): AsyncGenerator<{ id: number; weight: number }> {
  for (const [id, weight] of weights.entries()) yield { id, weight };
}

describe('runPipeline', () => {
  it('keeps at most `concurrency` batches in flight, and fewer while they weigh more than the budget', async () => {
    let inFlight = 0;
    let weight = 0;
    const peaks = { count: 0, weight: 0 };
    const process = async (batch: { weight: number }): Promise<void> => {
      inFlight++;
      weight += batch.weight;
      peaks.count = Math.max(peaks.count, inFlight);
      peaks.weight = Math.max(peaks.weight, weight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      weight -= batch.weight;
    };
    await runPipeline(batches([1, 1, 1, 1, 1, 1]), 3, process);
    expect(peaks.count).toBe(3);

    peaks.count = 0;
    peaks.weight = 0;
    // each batch weighs 10; a budget of 15 lets a second start only while the first is alone
    await runPipeline(batches([10, 10, 10, 10, 10]), 4, process, { weigh: (b) => b.weight, max: 15 });
    expect(peaks.count).toBe(2);
    expect(peaks.weight).toBe(20);

    peaks.count = 0;
    // a batch heavier than the whole budget still runs, alone
    await runPipeline(batches([100, 100]), 4, process, { weigh: (b) => b.weight, max: 15 });
    expect(peaks.count).toBe(1);
  });
});
