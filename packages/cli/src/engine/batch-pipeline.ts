/**
 * Keeps up to `concurrency` batches in flight: the next batch is read while earlier ones are in
 * crypto or being written. Reads stay sequential (keyset pagination needs the previous last key).
 * On the first failure no new batch starts; in-flight ones settle, then the failure is thrown.
 * With a `budget`, batches also wait while the ones in flight weigh that much (memory: large values
 * make a batch of 1,000 rows weigh megabytes, and each value lives in several copies while in crypto).
 */
export async function runPipeline<Batch>(
  source: AsyncIterable<Batch>,
  concurrency: number,
  process: (batch: Batch) => Promise<void>,
  budget?: { readonly weigh: (batch: Batch) => number; readonly max: number },
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let weight = 0;
  const full = (): boolean => inFlight.size >= Math.max(1, concurrency) || (budget !== undefined && inFlight.size > 0 && weight >= budget.max);
  let failure: { error: unknown } | undefined;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (!failure) {
      while (full() && !failure) await Promise.race(inFlight);
      if (failure) break;
      const next = await iterator.next();
      if (next.done) break;
      const batchWeight = budget ? budget.weigh(next.value) : 0;
      weight += batchWeight;
      const task: Promise<void> = process(next.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          weight -= batchWeight;
          inFlight.delete(task);
        });
      inFlight.add(task);
    }
  } catch (error) {
    failure ??= { error };
  } finally {
    await Promise.all(inFlight);
    if (failure) await iterator.return?.(undefined);
  }
  if (failure) throw failure.error;
}
