/**
 * Runs the crypto a batch needs in as few cipher calls as possible: one `encryptMany` and one
 * `decryptMany`. A batch decrypt that fails is retried value by value to tell which values are bad;
 * those become failed outcomes (left as they are, reported), the rest go ahead.
 */
import { CliError, describeCause } from '../errors';
import type { FieldRef, MigrationCipher } from '../config/define-config';
import type { PlannedValue, ValueOutcome } from './plan-batch';

export interface CryptoItem {
  readonly value: string;
  readonly field: FieldRef;
}

/**
 * The new stored value of each planned value, aligned with `work`.
 * `fieldOf(column)` names the Prisma model and field of a column index.
 */
export async function transformValues(
  cipher: MigrationCipher,
  work: readonly PlannedValue[],
  fieldOf: (column: number) => FieldRef,
): Promise<ValueOutcome[]> {
  const outcomes: ValueOutcome[] = new Array(work.length);
  // Values to decrypt first (decrypt, reencrypt), then values to encrypt (encrypt, and reencrypt's plaintexts).
  const decryptIndexes: number[] = [];
  work.forEach((item, i) => {
    if (item.action !== 'encrypt') decryptIndexes.push(i);
  });
  const decrypted = await decryptEach(
    cipher,
    decryptIndexes.map((i) => ({ value: work[i]!.value, field: fieldOf(work[i]!.column) })),
  );
  const plaintexts = new Map<number, string>();
  decryptIndexes.forEach((i, d) => {
    const result = decrypted[d]!;
    if (!result.ok) outcomes[i] = result;
    else if (work[i]!.action === 'decrypt') outcomes[i] = result;
    else plaintexts.set(i, result.value);
  });
  const encryptIndexes: number[] = [];
  work.forEach((item, i) => {
    if (item.action === 'encrypt' || plaintexts.has(i)) encryptIndexes.push(i);
  });
  if (encryptIndexes.length > 0) {
    const items = encryptIndexes.map((i) => ({ value: plaintexts.get(i) ?? work[i]!.value, field: fieldOf(work[i]!.column) }));
    let ciphertexts: string[];
    try {
      ciphertexts = await cipher.encryptMany(items);
    } catch (error) {
      // Encryption does not fail per value: this is the keyring or KMS, and the whole run must stop.
      throw new CliError('CIPHER_FAILED', `Encryption failed: ${describeCause(error)}`, { cause: error });
    }
    encryptIndexes.forEach((i, e) => {
      outcomes[i] = { ok: true, value: ciphertexts[e]! };
    });
  }
  return outcomes;
}

/** Decrypts `items`, one batch call when all succeed, value by value to isolate failures otherwise. */
export async function decryptEach(cipher: MigrationCipher, items: readonly CryptoItem[]): Promise<ValueOutcome[]> {
  if (items.length === 0) return [];
  try {
    const plaintexts = await cipher.decryptMany(items);
    return plaintexts.map((value) => ({ ok: true, value }));
  } catch {
    const outcomes: ValueOutcome[] = [];
    for (const item of items) {
      try {
        outcomes.push({ ok: true, value: await cipher.decrypt(item.value, item.field) });
      } catch (error) {
        outcomes.push({ ok: false, code: failureCode(error) });
      }
    }
    return outcomes;
  }
}

/** field-crypto errors carry a code; anything else is named by its class. */
function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}
