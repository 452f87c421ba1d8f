/**
 * Reads and writes the JSON state file. Writes are atomic (temp file, fsync, rename) so a crash
 * mid-write leaves the previous state, never a truncated file, and the file is created owner-only
 * because it holds key material.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { KMS_LOCAL_ERROR_CODES, KmsLocalError } from './errors';
import { parseState, type KmsState } from './state';

/** Loads the state file, or undefined when it does not exist yet. */
export function loadStateFile(path: string): KmsState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.STATE_FILE_UNREADABLE, `Cannot read state file ${path}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.STATE_FILE_UNREADABLE, `State file ${path} is not valid JSON`, { cause: error });
  }
  return parseState(json, path);
}

/** Replaces the state file atomically with `state`. */
export function saveStateFile(path: string, state: KmsState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const descriptor = openSync(temporary, 'w', 0o600);
  try {
    writeSync(descriptor, JSON.stringify(state, null, 2) + '\n');
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
