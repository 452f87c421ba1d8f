/**
 * Runs a batch of per-value work in slices that yield to the event loop. A warm cache makes every value
 * synchronous: without slices, 100,000 values would hold the loop for seconds and stall every other
 * request of the process. The first slice runs at once, so a small batch costs no extra tick.
 *
 * The one definition of the slice budget and of the yield, for the cipher's batches and for the Prisma
 * extension's walk of a list result (which imports them through `@prisma-kms/field-crypto/internal/slicing`).
 */

/**
 * Longest synchronous stretch before yielding (ms). Issue 12 caps a stretch at about 10 ms, but a request
 * of another caller (a findUnique) crosses the event loop several times (its timer, its query's socket
 * read, the driver's callbacks), and each crossing can wait out one whole slice: its latency grows by a
 * few budgets, not one. For its p99 to stay within 2x of the 5 ms it takes alone, a slice must stay
 * near 1 ms. The price is one yield per slice, about 5 µs of CPU with nothing else to run: 0.5% of a
 * batch at 1 ms (bench/src/find-unique-latency-bench.ts measures both: `--budgets 8,4,2,1`).
 */
export const SLICE_MS = 1;
/** The budget in force: {@link SLICE_MS}, or another inside {@link withSliceBudget} (Infinity: {@link withoutSlicing}). */
let sliceMs = SLICE_MS;
/** Check the clock every this many values: a clock read costs about what a compact value does. */
const CLOCK_EVERY = 32;

/**
 * The yield between two slices: `next` runs after one full turn of the event loop, so the timers that
 * fell due and the I/O callbacks that became ready while the slice ran (other requests' next steps) run
 * first. One `setImmediate` is not always a full turn: from a slice that ran in the poll phase (a batch
 * started by a query's result, read off its socket) the check phase of the same turn comes next, and the
 * two slices would run back to back, twice the budget, before any timer. A second `setImmediate`, queued
 * in the check phase, waits for the next turn, timers and poll included, whatever phase the slice ran
 * in; it costs microseconds. `queueMicrotask` or a resolved promise would not yield at all (microtasks
 * run before any timer or I/O); `setTimeout(0)` idles at least 1 ms per slice (its clamp) for nothing.
 */
function yieldThen(next: () => void): void {
  setImmediate(() => setImmediate(next));
}

/**
 * The `performance.now()` at which a slice starting now should yield.
 *
 * @example
 * let deadline = sliceDeadline();
 * for (const row of rows) {
 *   walk(row);
 *   if (performance.now() > deadline) { await nextSlice(); deadline = sliceDeadline(); }
 * }
 */
export function sliceDeadline(): number {
  return performance.now() + sliceMs;
}

/**
 * Yields to the event loop as the cipher's batches do between two slices (see {@link yieldThen}).
 *
 * @example
 * await nextSlice(); // timers and I/O callbacks that were waiting have run
 */
export function nextSlice(): Promise<void> {
  return new Promise<void>((resolve) => yieldThen(resolve));
}

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
      const deadline = sliceDeadline();
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
            yieldThen(runSlice);
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
 * `body` with every batch of the process (the cipher's, and the Prisma extension's walks of a result)
 * sliced at `ms` instead of {@link SLICE_MS}, so a benchmark can weigh budgets against each other. The
 * default is back when `body` settles. Not an option of the cipher on purpose: the budget trades other
 * requests' latency against a batch's throughput for the whole process, one choice, measured.
 *
 * @example
 * const p99At2ms = await withSliceBudget(2, () => probeDuring(() => cipher.decryptMany(values)));
 */
export async function withSliceBudget<T>(ms: number, body: () => Promise<T>): Promise<T> {
  if (!(ms > 0)) throw new RangeError(`a slice budget is a positive number of ms, got ${ms}`);
  const previous = sliceMs;
  sliceMs = ms;
  try {
    return await body();
  } finally {
    sliceMs = previous;
  }
}

/**
 * Benchmarks only (see {@link withSliceBudget}): `body` with every batch processed in one synchronous
 * stretch, as before slices existed, so a benchmark can measure what slicing buys other requests.
 *
 * @example
 * const unsliced = await withoutSlicing(() => extended.user.findMany()); // the baseline of the p99 bench
 */
export function withoutSlicing<T>(body: () => Promise<T>): Promise<T> {
  return withSliceBudget(Infinity, body);
}
