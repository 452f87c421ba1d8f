/** Commander parser of `--scope <id>`: a key scope as the key store accepts it (field-crypto's `scopeProblem`). */
import { InvalidArgumentError } from 'commander';
import { scopeProblem } from '@prisma-kms/field-crypto';

/**
 * `--scope tenant-42`: a non-empty string of at most 255 characters without control characters. The
 * application's own key is the empty scope, which the flag cannot name: leaving `--scope` out means it.
 */
export function scopeId(value: string): string {
  const problem = scopeProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`not a key scope: it ${problem}`);
  return value;
}
