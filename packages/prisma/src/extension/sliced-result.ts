/**
 * A result of many rows is walked in slices that yield to the event loop, as the cipher's batches are:
 * collecting 100,000 values to decrypt and writing their plaintexts back would otherwise be two
 * synchronous stretches of 50 to 150 ms each, on top of Prisma's own mapping of the rows, stalling every
 * other request of the process (`pnpm bench` measures it: findUnique's p99 during such a findMany).
 */
import type { EncryptionScheme } from '../field-map';
import { collectReadTargets, collectRowTargets, setAtPath, type ReadTarget } from '../walker';

/** Longest synchronous stretch before yielding, as in field-crypto's batches. */
const SLICE_MS = 8;
/** Rows walked (or values written) between two clock reads. */
const CHUNK = 64;
/**
 * Operations whose result is a plain list of the model's rows. Fluent calls (`findUnique(...).posts()`)
 * are left whole: which model their rows are is decided from the result as a whole.
 */
const LIST_OPERATIONS = new Set(['findMany', 'createManyAndReturn', 'updateManyAndReturn']);

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * {@link collectReadTargets}, the same targets in the same order, yielding about every 8 ms while it
 * walks a list of more than {@link CHUNK} rows; it first yields once, so that Prisma's own mapping of the
 * rows and this walk are two stretches, not one.
 *
 * @example
 * const targets = await collectReadTargetsInSlices(scheme, 'User', 'findMany', args, rows);
 */
export async function collectReadTargetsInSlices(scheme: EncryptionScheme, model: string, operation: string, args: unknown, result: unknown): Promise<ReadTarget[]> {
  if (!LIST_OPERATIONS.has(operation) || !Array.isArray(result) || result.length <= CHUNK) return collectReadTargets(scheme, model, operation, args, result);
  await nextTurn();
  const targets: ReadTarget[] = [];
  let deadline = performance.now() + SLICE_MS;
  for (let first = 0; first < result.length; first += CHUNK) {
    collectRowTargets(scheme, model, result, first, first + CHUNK, targets);
    if (performance.now() > deadline) {
      await nextTurn();
      deadline = performance.now() + SLICE_MS;
    }
  }
  return targets;
}

/**
 * Writes `values[i]` at `targets[i].path` in `result`, yielding about every 8 ms.
 *
 * @example
 * await setAtPathsInSlices(rows, targets, plaintexts);
 */
export async function setAtPathsInSlices(result: unknown, targets: readonly ReadTarget[], values: readonly (string | null | undefined)[]): Promise<void> {
  let deadline = performance.now() + SLICE_MS;
  for (let index = 0; index < targets.length; index++) {
    setAtPath(result, (targets[index] as ReadTarget).path, values[index]);
    if (index % CHUNK === CHUNK - 1 && performance.now() > deadline) {
      await nextTurn();
      deadline = performance.now() + SLICE_MS;
    }
  }
}
