import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `text` so that a reader (or a crash) sees either the old file or the new one,
 * never half of it: the text goes to a temporary file in the same directory (created with exactly
 * `mode`, whatever the umask), is flushed to disk, then renamed over `path`.
 *
 * @example
 * ```ts
 * writeFileAtomically('.prisma-kms/index-keys', text, 0o600);
 * ```
 */
export function writeFileAtomically(path: string, text: string, mode: number): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
