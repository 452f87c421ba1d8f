/**
 * Keeps up to `concurrency` batches in flight: the next batch is read while earlier ones are in
 * crypto or being written. Reads stay sequential (keyset pagination needs the previous last key).
 * On the first failure no new batch starts; in-flight ones settle, then the failure is thrown.
 */
export async function runPipeline<Batch>(
  source: AsyncIterable<Batch>,
  concurrency: number,
  process: (batch: Batch) => Promise<void>,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (!failure) {
      while (inFlight.size >= Math.max(1, concurrency) && !failure) await Promise.race(inFlight);
      if (failure) break;
      const next = await iterator.next();
      if (next.done) break;
      const task: Promise<void> = process(next.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(task));
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
