/**
 * `prisma-kms keys rewrap`: re-wraps the blind index key messages of an index key file under the
 * config's keyring, so that a KMS key being retired no longer wraps them. The key bytes and versions do
 * not change (no `reindex` is needed); only the envelope does. With a `rotationKeyring` as the config's
 * keyring, the new messages are wrapped by its `current` key alone.
 */
import { resolve } from 'node:path';
import { rewrapIndexKeys, splitIndexKeyMessages } from '@prisma-kms/field-crypto';
import { readIndexKeyFile } from '../config/index-key-file';
import type { PrismaKmsConfig } from '../config/define-config';
import { CliError, describeCause } from '../errors';
import { writeFileAtomically } from '../output/write-file-atomically';
import { configKeyring } from './config-keyring';

/** What was done: the file written and how many messages it holds. */
export interface RewrappedIndexKeys {
  readonly path: string;
  readonly count: number;
}

/**
 * Re-wraps every message of the index key file `file` (relative to `cwd`) under the loaded config's
 * keyring and writes the file back atomically (mode 0600), or to `out`, one message for one, comments
 * and blank lines kept. Nothing is written unless every message re-wraps.
 *
 * @example
 * ```ts
 * const { config } = await loadConfig(locateConfig(process.cwd()));
 * const { path, count } = await rewrapIndexKeysCommand(config, { file: '.prisma-kms/index-keys' }, process.cwd());
 * ```
 */
export async function rewrapIndexKeysCommand(config: PrismaKmsConfig, { file, out }: { readonly file: string; readonly out?: string }, cwd: string): Promise<RewrappedIndexKeys> {
  const { path: source, text } = readIndexKeyFile(file, cwd);
  const messages = splitIndexKeyMessages(text);
  if (messages.length === 0) throw new CliError('USAGE', `${source} holds no index key message`);
  const keyring = await configKeyring(config, 'keys rewrap');
  const rewrapped = await rewrapIndexKeys(keyring, messages, config.indexKeyContext ? { encryptionContext: config.indexKeyContext } : {});
  const path = resolve(cwd, out ?? file);
  try {
    writeFileAtomically(path, replaceIndexKeyMessages(text, rewrapped), 0o600);
  } catch (error) {
    throw new CliError('OUTPUT_FAILED', `Could not write the re-wrapped index keys to ${path}: ${describeCause(error)}`, { cause: error });
  }
  return { path, count: rewrapped.length };
}

/**
 * The text of an index key file with its message lines replaced, in order, by `messages`; every other
 * line (comments, blank lines) as it was. Pure.
 *
 * @example
 * ```ts
 * replaceIndexKeyMessages('# v1\nOLD=\n', ['NEW=']); // '# v1\nNEW=\n'
 * ```
 */
export function replaceIndexKeyMessages(text: string, messages: readonly string[]): string {
  let next = 0;
  const lines = text.split(/\r?\n/).map((line) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return line;
    const replacement = messages[next++];
    if (replacement === undefined) throw new Error('fewer messages than message lines');
    return replacement;
  });
  if (next !== messages.length) throw new Error('more messages than message lines');
  return lines.join('\n');
}
