/**
 * The crypto a batch needs, behind one small interface, so it can run in this thread or in worker
 * threads (crypto-workers) without the engine knowing: one `encryptMany` per batch, and a decrypt
 * that reports each value's outcome (a batch decrypt that fails is retried value by value, so only
 * the bad values fail).
 */
import { isKeyStoreError } from '@prisma-kms/field-crypto';
import type { FieldRef, MigrationCipher } from '../config/define-config';
import type { ValueOutcome } from './plan-batch';
import { cipherFailure, cipherFailureInfo, isKmsUnavailable } from './cipher-failure';

export interface CryptoItem {
  readonly value: string;
  readonly field: FieldRef;
  /** Encryption only: the key scope to encrypt under (field-crypto's `FieldValue.scope`); absent: the application's key. */
  readonly scope?: string;
}

export interface BatchCrypto {
  /** Ciphertexts in order. Throws when the keyring fails: encryption does not fail per value. */
  encryptMany(items: readonly CryptoItem[]): Promise<string[]>;
  /** One outcome per item, in order: the plaintext, or the error code of a value that does not decrypt. */
  decryptEach(items: readonly CryptoItem[]): Promise<ValueOutcome[]>;
  close(): Promise<void>;
}

/** Runs the crypto in this thread with `cipher`. */
export function inThreadCrypto(cipher: Pick<MigrationCipher, 'encryptMany' | 'decryptMany' | 'decrypt'>): BatchCrypto {
  return {
    encryptMany: (items) => cipher.encryptMany(items),
    decryptEach: (items) => decryptEach(cipher, items),
    close: async () => undefined,
  };
}

/**
 * Decrypts `items`: one batch call when all succeed, value by value to isolate failures otherwise.
 * Throws (`CIPHER_FAILED`, with the AWS error name) when KMS is unavailable: that says nothing about
 * the values, and asking again for each one would only hammer a KMS that is already down.
 */
export async function decryptEach(
  cipher: Pick<MigrationCipher, 'decryptMany' | 'decrypt'>,
  items: readonly CryptoItem[],
): Promise<ValueOutcome[]> {
  if (items.length === 0) return [];
  try {
    const plaintexts = await cipher.decryptMany(items);
    return plaintexts.map((value) => ({ ok: true, value }));
  } catch (batchError) {
    throwIfKmsUnavailable(batchError);
    const outcomes: ValueOutcome[] = [];
    for (const item of items) {
      try {
        outcomes.push({ ok: true, value: await cipher.decrypt(item.value, item.field) });
      } catch (error) {
        throwIfKmsUnavailable(error);
        outcomes.push({ ok: false, code: failureCode(error), ...failureReason(error) });
      }
    }
    return outcomes;
  }
}

function throwIfKmsUnavailable(error: unknown): void {
  const info = cipherFailureInfo(error);
  if (isKmsUnavailable(info)) throw cipherFailure('Decryption failed', info, error);
}

/**
 * A key-store error's reason (`KEY_SCOPE_SHREDDED`: the value's scope was shredded), which its code does
 * not tell. Judged by name, not instanceof: the config module may load its own copy of field-crypto.
 */
function failureReason(error: unknown): { reason?: string } {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return isKeyStoreError(error) || (error instanceof Error && error.name === 'KeyStoreError' && typeof reason === 'string') ? { reason: String(reason) } : {};
}

/** field-crypto errors carry a code; anything else is named by its class. */
export function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}
