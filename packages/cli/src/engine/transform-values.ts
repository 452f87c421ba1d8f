/**
 * Runs the crypto a planned batch needs in as few calls as possible: one decrypt (for decrypt, rotate
 * and reindex) and one `encryptMany` (for encrypt, and rotate's plaintexts). Reindex's outcome is the
 * plaintext its index is computed from. Values that do not decrypt
 * become failed outcomes (left as they are, reported); the rest go ahead.
 */
import { isCliError } from '../errors';
import { cipherFailure, cipherFailureInfo } from './cipher-failure';
import type { FieldRef } from '../config/define-config';
import type { BatchCrypto } from './batch-crypto';
import type { PlannedValue, ValueOutcome } from './plan-batch';

/**
 * The new stored value of each planned value, aligned with `work`.
 * `fieldOf(column)` names the Prisma model and field of a column index.
 */
export async function transformValues(
  crypto: BatchCrypto,
  work: readonly PlannedValue[],
  fieldOf: (column: number) => FieldRef,
): Promise<ValueOutcome[]> {
  const outcomes: ValueOutcome[] = new Array(work.length);
  const decryptIndexes: number[] = [];
  work.forEach((item, i) => {
    if (item.action === 'index-plaintext') outcomes[i] = { ok: true, value: item.value };
    else if (item.action !== 'encrypt') decryptIndexes.push(i);
  });
  const decrypted = await crypto.decryptEach(decryptIndexes.map((i) => ({ value: work[i]!.value, field: fieldOf(work[i]!.column) })));
  const plaintexts = new Map<number, string>();
  decryptIndexes.forEach((i, d) => {
    const result = decrypted[d]!;
    // reencrypt goes on to encryptMany; decrypt and index-ciphertext end with the plaintext
    if (!result.ok || work[i]!.action !== 'reencrypt') outcomes[i] = result;
    else plaintexts.set(i, result.value);
  });
  const encryptIndexes: number[] = [];
  work.forEach((item, i) => {
    if (item.action === 'encrypt' || plaintexts.has(i)) encryptIndexes.push(i);
  });
  if (encryptIndexes.length > 0) {
    const items = encryptIndexes.map((i) => {
      const item = work[i]!;
      // a scoped row's values go under its scope's key (field-crypto's FieldValue.scope)
      return { value: plaintexts.get(i) ?? item.value, field: fieldOf(item.column), ...(item.scope !== undefined ? { scope: item.scope } : {}) };
    });
    let ciphertexts: string[];
    try {
      ciphertexts = await crypto.encryptMany(items);
    } catch (error) {
      // Encryption does not fail per value: this is the keyring or KMS, and the whole run must stop.
      throw isCliError(error) ? error : cipherFailure('Encryption failed', cipherFailureInfo(error), error);
    }
    encryptIndexes.forEach((i, e) => {
      const plaintext = plaintexts.get(i);
      // a re-encrypted value keeps its plaintext beside it: a scoped run recomputes its blind index from it
      outcomes[i] = plaintext === undefined ? { ok: true, value: ciphertexts[e]! } : { ok: true, value: ciphertexts[e]!, plaintext };
    });
  }
  return outcomes;
}
