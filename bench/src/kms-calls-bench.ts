/**
 * KMS calls for 1,000 values x 2 fields through a cold data-key cache, counted by kms-local (a real
 * HTTP KMS endpoint driven by the unmodified AWS SDK): one GenerateDataKey per field to write, one
 * Decrypt per distinct data key to read back with a fresh cipher.
 */
import { createFieldCipher, createKeyStore, keyStoreAdmin, kmsKeyring, memoryKeyStorage } from '@prisma-kms/field-crypto';
import { startKmsLocal } from '@prisma-kms/kms-local';

export interface KmsCallFigures {
  values: number;
  generateDataKeyCalls: number;
  decryptCalls: number;
}

export async function benchKmsCalls(rows = 1000): Promise<KmsCallFigures> {
  const kms = await startKmsLocal({ quiet: true });
  try {
    const { arn } = await kms.createKey({ alias: 'alias/bench' });
    const keyring = () => kmsKeyring({ generatorKeyId: arn, ...kms.clientConfig() });
    const fields = [
      { model: 'User', field: 'name' },
      { model: 'User', field: 'phone' },
    ];
    const items = Array.from({ length: rows }, (_, i) => fields.map((field) => ({ value: `value ${i}`, field }))).flat();
    const stored = await createFieldCipher({ keyring: keyring() }).encryptMany(items);
    const afterWrite = kms.calls();
    kms.resetCalls();
    const reader = createFieldCipher({ keyring: keyring() });
    const back = await reader.decryptMany(stored.map((value, i) => ({ value, field: (items[i] as (typeof items)[number]).field })));
    if (back[0] !== 'value 0') throw new Error('round trip failed');
    return { values: items.length, generateDataKeyCalls: afterWrite.GenerateDataKey ?? 0, decryptCalls: kms.calls().Decrypt ?? 0 };
  } finally {
    await kms.close();
  }
}

export interface CompactKmsCallFigures {
  values: number;
  writerProcesses: number;
  /** KMS Decrypt calls of one fresh reader (new key store, empty cache) reading every value. */
  readerDecryptCalls: number;
  /** KMS GenerateDataKey calls of the same read (none: reads never make keys). */
  readerGenerateDataKeyCalls: number;
}

/**
 * Compact values under a key store: `values` values written by `writerProcesses` separate writers (each
 * its own key store and cache, as separate processes over time would be), then read back in random
 * order by a fresh reader. However many writers and windows, the reader makes one Decrypt per key
 * version used (1 here), counted by kms-local.
 */
export async function benchCompactKmsCalls(values = 5000, writerProcesses = 50): Promise<CompactKmsCallFigures> {
  const kms = await startKmsLocal({ quiet: true });
  try {
    const { arn } = await kms.createKey({ alias: 'alias/bench-compact' });
    const keyring = () => kmsKeyring({ generatorKeyId: arn, ...kms.clientConfig() });
    const storage = memoryKeyStorage();
    await keyStoreAdmin({ name: 'bench', storage, keyring: keyring() }).createKeyVersion();
    const freshProcess = () => createFieldCipher({ keyStore: createKeyStore({ name: 'bench', storage, keyring: keyring() }) });
    const field = { model: 'User', field: 'phone' };
    const stored: string[] = [];
    const perWriter = Math.ceil(values / writerProcesses);
    for (let w = 0; w < writerProcesses; w++) {
      const items = Array.from({ length: Math.min(perWriter, values - stored.length) }, (_, i) => ({ value: `+4420794${w}${i}`, field }));
      stored.push(...(await freshProcess().encryptMany(items)));
    }
    // Random order, as random rows of a table would come.
    for (let i = stored.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [stored[i], stored[j]] = [stored[j] as string, stored[i] as string];
    }
    kms.resetCalls();
    await freshProcess().decryptMany(stored.map((value) => ({ value, field })));
    const calls = kms.calls();
    return { values: stored.length, writerProcesses, readerDecryptCalls: calls.Decrypt ?? 0, readerGenerateDataKeyCalls: calls.GenerateDataKey ?? 0 };
  } finally {
    await kms.close();
  }
}
