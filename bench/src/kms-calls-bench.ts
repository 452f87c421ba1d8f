/**
 * KMS calls for 1,000 values x 2 fields through a cold data-key cache, counted by kms-local (a real
 * HTTP KMS endpoint driven by the unmodified AWS SDK): one GenerateDataKey per field to write, one
 * Decrypt per distinct data key to read back with a fresh cipher.
 */
import { createFieldCipher, kmsKeyring } from '@prisma-kms/field-crypto';
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
