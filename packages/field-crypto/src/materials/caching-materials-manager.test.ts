import { NodeAlgorithmSuite, AlgorithmSuiteIdentifier, type NodeEncryptionMaterial } from '@aws-crypto/client-node';
import { generateLocalKey, localAesKeyring } from '../index';
import { CountingKeyring } from '../__tests__/counting-keyring';
import { CachingMaterialsManager } from './caching-materials-manager';
import { dataKeyCacheLimits } from './cache-limits';

const suite = new NodeAlgorithmSuite(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
const encryptionContext = { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' };

function manager(limits = dataKeyCacheLimits()) {
  const keyring = new CountingKeyring(localAesKeyring({ key: generateLocalKey() }));
  const counters = { cacheHits: 0, cacheMisses: 0, keyringGenerateCalls: 0, keyringDecryptCalls: 0, failedUnwrapRecalls: 0 };
  return { keyring, counters, cmm: new CachingMaterialsManager({ keyring, limits, counters, maxEncryptedDataKeys: 3, failedUnwraps: false }) };
}

describe('CachingMaterialsManager', () => {
  it('answers a warm encrypt and a warm decrypt synchronously (no promise)', async () => {
    const { cmm } = manager();
    const request = { suite, encryptionContext, plaintextLength: 3 };
    const cold = cmm.useEncryptionMaterial(request, (m) => m.encryptedDataKeys);
    expect(cold).toBeInstanceOf(Promise);
    const encryptedDataKeys = await cold;
    const warm = cmm.useEncryptionMaterial(request, (m) => m.encryptedDataKeys);
    expect(warm).not.toBeInstanceOf(Promise);
    expect(warm).toEqual(encryptedDataKeys);

    const decryptRequest = { suite, encryptionContext, encryptedDataKeys };
    await cmm.useDecryptionMaterial(decryptRequest, () => undefined);
    expect(cmm.useDecryptionMaterial(decryptRequest, () => 'sync')).toBe('sync');
  });

  it('computes the same encrypt cache key for equal contexts regardless of key order', () => {
    const { cmm } = manager();
    const a = cmm.encryptionCacheKey(suite, { a: '1', b: '2' });
    expect(cmm.encryptionCacheKey(suite, { b: '2', a: '1' })).toBe(a);
    expect(cmm.encryptionCacheKey(suite, { a: '1', b: '3' })).not.toBe(a);
    expect(manager().cmm.encryptionCacheKey(suite, { a: '1', b: '2' })).not.toBe(a); // random partition
  });

  it('hands the SDK clones, so the SDK zeroing its copy leaves the cache intact', async () => {
    const { cmm, keyring } = manager();
    const request = { suite, encryptionContext, plaintextLength: 1, commitmentPolicy: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT' as never };
    const first: NodeEncryptionMaterial = await cmm.getEncryptionMaterials(request);
    first.zeroUnencryptedDataKey();
    const second = await cmm.getEncryptionMaterials(request);
    expect(second.hasUnencryptedDataKey).toBe(true);
    expect(keyring.generateCalls).toBe(1);
  });

  it('uses material that exceeds a limit on its first message once, zeroes it, and never caches it', async () => {
    const { cmm, keyring } = manager(dataKeyCacheLimits({ maxBytes: 4 }));
    let seen: NodeEncryptionMaterial | undefined;
    await cmm.useEncryptionMaterial({ suite, encryptionContext, plaintextLength: 5 }, (m) => {
      seen = m;
      expect(m.hasUnencryptedDataKey).toBe(true);
    });
    expect(seen?.hasUnencryptedDataKey).toBe(false);
    await cmm.useEncryptionMaterial({ suite, encryptionContext, plaintextLength: 1 }, () => undefined);
    expect(keyring.generateCalls).toBe(2);
  });
});
