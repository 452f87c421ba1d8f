/** Commander argument parsers for integer flags and arguments, shared by every command file. */
import { InvalidArgumentError } from 'commander';

/** `--concurrency 0`-style values: a safe integer, 0 or more. */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** `--batch-size`, versions: a safe integer, 1 or more. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
