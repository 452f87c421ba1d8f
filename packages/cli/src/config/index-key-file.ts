import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, describeCause } from '../errors';

/**
 * Reads the index key file (`file`, relative to `cwd`): its absolute path and text. A file that cannot be
 * read is a USAGE error naming it.
 *
 * @example
 * ```ts
 * const { path, text } = readIndexKeyFile('.prisma-kms/index-keys', process.cwd());
 * ```
 */
export function readIndexKeyFile(file: string, cwd: string): { path: string; text: string } {
  const path = resolve(cwd, file);
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new CliError('USAGE', `Could not read the index key file ${path}: ${describeCause(error)}`, { cause: error });
  }
}
