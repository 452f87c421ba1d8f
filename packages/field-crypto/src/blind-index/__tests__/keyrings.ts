/** Test helper: real SDK keyrings over random local AES keys (no mocks). */
import { randomBytes } from 'node:crypto';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

export function randomAesKeyring(keyName = 'test-key'): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyNamespace: 'prisma-kms-test',
    keyName,
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}
