/**
 * A result of many rows is walked in slices that yield to the event loop, as the cipher's batches are:
 * collecting 100,000 values to decrypt and writing their plaintexts back would otherwise be two
 * synchronous stretches of 50 to 150 ms each, on top of Prisma's own mapping of the rows, stalling every
 * other request of the process (`pnpm bench` measures it: findUnique's p99 during such a findMany).
 * The budget and the yield are field-crypto's (one definition, `internal/slicing`): a benchmark's
 * `withSliceBudget` or `withoutSlicing` applies to both.
 */
import { nextSlice, sliceDeadline } from '@prisma-kms/field-crypto/internal/slicing';
import type { EncryptionScheme } from '../field-map';
import { collectReadTargets, collectRowTargets, setAtPath, type ReadTarget } from '../walker';

/** Rows walked (or values written) between two clock reads. */
const CHUNK = 64;
/**
 * Operations whose result is a plain list of the model's rows. Fluent calls (`findUnique(...).posts()`)
 * are left whole: which model their rows are is decided from the result as a whole.
 */
const LIST_OPERATIONS = new Set(['findMany', 'createManyAndReturn', 'updateManyAndReturn']);

/**
 * {@link collectReadTargets}, the same targets in the same order, yielding at field-crypto's slice budget while it
 * walks a list of more than {@link CHUNK} rows; it first yields once, so that Prisma's own mapping of the
 * rows and this walk are two stretches, not one.
 *
 * @example
 * const targets = await collectReadTargetsInSlices(scheme, 'User', 'findMany', args, rows);
 */
export async function collectReadTargetsInSlices(scheme: EncryptionScheme, model: string, operation: string, args: unknown, result: unknown): Promise<ReadTarget[]> {
  if (!LIST_OPERATIONS.has(operation) || !Array.isArray(result) || result.length <= CHUNK) return collectReadTargets(scheme, model, operation, args, result);
  await nextSlice();
  const targets: ReadTarget[] = [];
  let deadline = sliceDeadline();
  for (let first = 0; first < result.length; first += CHUNK) {
    collectRowTargets(scheme, model, result, first, first + CHUNK, targets);
    if (performance.now() > deadline) {
      await nextSlice();
      deadline = sliceDeadline();
    }
  }
  return targets;
}

/**
 * Writes `values[i]` at `targets[i].path` in `result`, yielding at field-crypto's slice budget.
 *
 * @example
 * await setAtPathsInSlices(rows, targets, plaintexts);
 */
export async function setAtPathsInSlices(result: unknown, targets: readonly ReadTarget[], values: readonly (string | null | undefined)[]): Promise<void> {
  let deadline = sliceDeadline();
  for (let index = 0; index < targets.length; index++) {
    setAtPath(result, (targets[index] as ReadTarget).path, values[index]);
    if (index % CHUNK === CHUNK - 1 && performance.now() > deadline) {
      await nextSlice();
      deadline = sliceDeadline();
    }
  }
}
