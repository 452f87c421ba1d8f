import { createFieldCipher } from './field-cipher';
import { generateLocalKey, localAesKeyring } from '../keyrings/local-aes-keyring';
import { kmsKeyring } from '../keyrings/kms-keyring';
import { multiKeyring } from '../keyrings/multi-keyring';
import { rotationKeyring } from '../keyrings/rotation-keyring';

const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('configuredWrappingKey (no keyring call)', () => {
  it('names the generator of a local, KMS (by key ARN), multi and rotation keyring the way currentWrappingKey does', async () => {
    const local = localAesKeyring({ key: generateLocalKey() }, { keyName: 'k-2026' });
    const cipher = createFieldCipher({ keyring: local });
    expect(cipher.configuredWrappingKey()).toEqual(await cipher.currentWrappingKey());
    expect(cipher.configuredWrappingKey()).toEqual({ providerId: 'prisma-kms', keyId: 'k-2026' });
    expect(createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: keyArn, region: 'eu-west-1' }) }).configuredWrappingKey()).toEqual({
      providerId: 'aws-kms',
      keyId: keyArn,
    });
    const old = localAesKeyring({ key: generateLocalKey() }, { keyName: 'k-2025' });
    expect(createFieldCipher({ keyring: rotationKeyring({ current: local, previous: [old] }) }).configuredWrappingKey()?.keyId).toBe('k-2026');
    expect(createFieldCipher({ keyring: multiKeyring({ generator: local, children: [old] }) }).configuredWrappingKey()?.keyId).toBe('k-2026');
  });

  it('is undefined where only KMS can tell: an alias, or a keyring without a generator', () => {
    expect(createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: 'alias/app-data', region: 'eu-west-1' }) }).configuredWrappingKey()).toBeUndefined();
    const old = localAesKeyring({ key: generateLocalKey() }, { keyName: 'k-2025' });
    expect(createFieldCipher({ keyring: multiKeyring({ children: [old] }) }).configuredWrappingKey()).toBeUndefined();
  });
});
