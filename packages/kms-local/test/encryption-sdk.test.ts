/**
 * The AWS Encryption SDK's KmsKeyringNode against kms-local, unmodified: the path prisma-kms takes in
 * production, with call counts (what the data-key cache saves) and the errors users see when KMS fails.
 */
import { KMS, KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  KmsKeyringNode,
  NodeCachingMaterialsManager,
  buildClient,
  getLocalCryptographicMaterialsCache,
} from '@aws-crypto/client-node';
import { startKmsLocal, type KmsLocal } from '../src';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const context = { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' };

let kms: KmsLocal;
// The keyring calls client.generateDataKey(...): it needs the aggregated KMS class, not the bare KMSClient.
const clients: Array<KMS | KMSClient> = [];

function keyring(options: { generatorKeyId?: string; keyIds?: string[]; accessKeyId?: string; discovery?: true }): KmsKeyringNode {
  const clientProvider = () => {
    const client = new KMS({ ...kms.clientConfig(options.accessKeyId), maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  if (options.discovery) return new KmsKeyringNode({ clientProvider, discovery: true });
  return new KmsKeyringNode({
    clientProvider,
    ...(options.generatorKeyId ? { generatorKeyId: options.generatorKeyId } : {}),
    ...(options.keyIds ? { keyIds: options.keyIds } : {}),
  });
}

beforeAll(async () => {
  kms = await startKmsLocal({ quiet: true });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await kms.close();
});
beforeEach(() => {
  kms.resetCalls();
  kms.faults.clear();
});

test('KmsKeyringNode encrypts with GenerateDataKey + Encrypt and decrypts with one Decrypt', async () => {
  const generator = await kms.createKey();
  const backup = await kms.createKey({ multiRegion: true });
  const ring = keyring({ generatorKeyId: generator.arn, keyIds: [backup.arn] });

  const { result, messageHeader } = await encrypt(ring, 'alice@example.com', { encryptionContext: context, suiteId });
  expect(messageHeader.encryptedDataKeys.map((edk) => edk.providerInfo)).toEqual([generator.arn, backup.arn]);
  expect(kms.calls()).toEqual({ GenerateDataKey: 1, Encrypt: 1 });

  const { plaintext, messageHeader: read } = await decrypt(ring, result);
  expect(plaintext.toString()).toBe('alice@example.com');
  expect(read.encryptionContext).toMatchObject(context);
  expect(kms.calls()).toEqual({ GenerateDataKey: 1, Encrypt: 1, Decrypt: 1 });
});

test('a keyring holding only the backup key decrypts through the data key it wrapped', async () => {
  const generator = await kms.createKey();
  const backup = await kms.createKey();
  const { result } = await encrypt(keyring({ generatorKeyId: generator.arn, keyIds: [backup.arn] }), 'x', { encryptionContext: context, suiteId });
  await kms.setAccess(generator.arn, { Decrypt: [] });
  const { plaintext } = await decrypt(keyring({ keyIds: [backup.arn] }), result);
  expect(plaintext.toString()).toBe('x');
});

test('messages made before RotateKeyOnDemand still decrypt after it', async () => {
  const { arn } = await kms.createKey();
  const ring = keyring({ generatorKeyId: arn });
  const { result: before } = await encrypt(ring, 'before', { encryptionContext: context, suiteId });
  const client = new KMSClient(kms.clientConfig());
  clients.push(client);
  await client.send(new RotateKeyOnDemandCommand({ KeyId: arn }));
  const { result: after } = await encrypt(ring, 'after', { encryptionContext: context, suiteId });
  expect((await decrypt(ring, before)).plaintext.toString()).toBe('before');
  expect((await decrypt(ring, after)).plaintext.toString()).toBe('after');
});

test('a discovery keyring finds the key from the message and decrypts', async () => {
  const { arn } = await kms.createKey();
  const { result } = await encrypt(keyring({ generatorKeyId: arn }), 'found', { encryptionContext: context, suiteId });
  expect((await decrypt(keyring({ discovery: true }), result)).plaintext.toString()).toBe('found');
});

test('with the caching materials manager, KMS is called once per cache window, not per message', async () => {
  const { arn } = await kms.createKey();
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring({ generatorKeyId: arn }),
    cache: getLocalCryptographicMaterialsCache(100),
    maxAge: 60_000,
    maxMessagesEncrypted: 1000,
    partition: 'kms-local-test',
  });
  const messages = [];
  for (let i = 0; i < 20; i++) messages.push((await encrypt(cmm, `value ${i}`, { encryptionContext: context, suiteId })).result);
  expect(kms.calls()).toEqual({ GenerateDataKey: 1 });
  for (const message of messages) await decrypt(cmm, message);
  expect(kms.calls()).toEqual({ GenerateDataKey: 1, Decrypt: 1 });
});

test('KMS down during a write: encrypt rejects with the connection error, and works again once KMS is back', async () => {
  const { arn } = await kms.createKey();
  kms.faults.down(true);
  await expect(encrypt(keyring({ generatorKeyId: arn }), 'x', { encryptionContext: context, suiteId })).rejects.toThrow(
    /ECONNRESET|socket hang up/,
  );
  kms.faults.down(false);
  await encrypt(keyring({ generatorKeyId: arn }), 'x', { encryptionContext: context, suiteId });
});

test('throttled during a read: decrypt rejects and the message names ThrottlingException', async () => {
  const { arn } = await kms.createKey();
  const ring = keyring({ generatorKeyId: arn });
  const { result } = await encrypt(ring, 'x', { encryptionContext: context, suiteId });
  kms.faults.failNext(1, 'ThrottlingException', 'Decrypt');
  await expect(decrypt(ring, result)).rejects.toThrow(/ThrottlingException/);
  expect((await decrypt(ring, result)).plaintext.toString()).toBe('x');
});

test('an access key without Decrypt on the key cannot decrypt: the error names AccessDeniedException', async () => {
  const { arn } = await kms.createKey({ access: { Decrypt: ['AKIAREADER'] } });
  const { result } = await encrypt(keyring({ generatorKeyId: arn }), 'x', { encryptionContext: context, suiteId });
  await expect(decrypt(keyring({ generatorKeyId: arn, accessKeyId: 'AKIAWRITER' }), result)).rejects.toThrow(/AccessDeniedException/);
  expect((await decrypt(keyring({ generatorKeyId: arn, accessKeyId: 'AKIAREADER' }), result)).plaintext.toString()).toBe('x');
});
