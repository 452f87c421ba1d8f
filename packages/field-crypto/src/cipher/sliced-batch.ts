/**
 * Runs a batch of per-value work in slices that yield to the event loop. A warm cache makes every value
 * synchronous: without slices, 100,000 values would hold the loop for seconds and stall every other
 * request of the process. The first slice runs at once, so a small batch costs no extra tick.
 */

/** Longest synchronous stretch before yielding (the target is about 10 ms; leave room for one value). */
export const SLICE_MS = 8;
/** The budget in force: {@link SLICE_MS}, or Infinity inside {@link withoutSlicing}. */
let sliceMs = SLICE_MS;
/** Check the clock every this many values: a clock read costs about what a compact value does. */
const CLOCK_EVERY = 32;

/**
 * `one` over `items`, order preserved; sync results are kept, promises collected and waited for by
 * `settle` (which rejects with the first failure after all settle). A synchronous throw rejects the
 * batch once the promises already started have settled.
 *
 * @example
 * const results = await processInSlices(items, (item) => encryptOne(item), settleAll);
 */
export function processInSlices<T>(
  items: ReadonlyArray<T>,
  one: (item: T) => string | Promise<string>,
  settle: (pending: readonly Promise<void>[]) => Promise<void>,
): Promise<string[]> {
  const results = new Array<string>(items.length);
  let pending: Promise<void>[] | undefined;
  let next = 0;
  return new Promise<string[]>((resolve, reject) => {
    const fail = (e: unknown) => {
      if (pending) settle(pending).then(() => reject(e), () => reject(e));
      else reject(e);
    };
    const runSlice = () => {
      const deadline = performance.now() + sliceMs;
      try {
        while (next < items.length) {
          const index = next;
          next += 1;
          const result = one(items[index] as T);
          if (typeof result === 'string') results[index] = result;
          else {
            const stored = result.then((value) => void (results[index] = value));
            // `settle` handles its failure once the whole batch is walked; until then a slice boundary
            // would leave it an unhandled rejection (a process-level event, fatal under some hosts).
            stored.catch(() => undefined);
            (pending ??= []).push(stored);
          }
          if (next % CLOCK_EVERY === 0 && next < items.length && performance.now() > deadline) {
            setImmediate(runSlice);
            return;
          }
        }
      } catch (e) {
        fail(e);
        return;
      }
      if (pending) settle(pending).then(() => resolve(results), reject);
      else resolve(results);
    };
    runSlice();
  });
}

/**
 * Benchmarks only, through the loudly named subpath `@prisma-kms/field-crypto/internal/slicing`: runs
 * `body` with every batch of the process processed in one synchronous stretch, as before slices existed,
 * so a benchmark can measure what slicing buys other requests. Slicing is back when `body` settles. Not
 * an option of the cipher on purpose: there is no production reason to hold the event loop for seconds.
 *
 * @example
 * const unsliced = await withoutSlicing(() => extended.user.findMany()); // the baseline of the p99 bench
 */
export async function withoutSlicing<T>(body: () => Promise<T>): Promise<T> {
  const previous = sliceMs;
  sliceMs = Infinity;
  try {
    return await body();
  } finally {
    sliceMs = previous;
  }
}
