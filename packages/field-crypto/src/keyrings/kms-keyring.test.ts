/**
 * The KMS keyring through the shared KMS test target: kms-local by default (with call counters and fault
 * drills), LocalStack with PKMS_KMS_ENDPOINT or AWS with PKMS_KMS_TARGET=aws (then the drills are skipped
 * with a printed reason and KMS work is counted through the cipher's stats only).
 */
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { KmsLocalFaults } from '@prisma-kms/kms-local';
import {
  ConfigurationError,
  createFieldCipher,
  createIndexKey,
  EncryptionContextMismatchError,
  generateLocalKey,
  KeyringError,
  kmsKeyring,
  loadIndexKeys,
  localAesKeyring,
  multiKeyring,
  type FieldRef,
} from '../index';

const email: FieldRef = { model: 'User', field: 'email' };
const ssn: FieldRef = { model: 'User', field: 'ssn' };

const alias = uniqueAlias('field-crypto-test');
let target: KmsTarget;
let keyArn: string;

beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias })).arn;
});

afterAll(async () => {
  await target.close();
});

beforeEach(() => {
  target.faults?.clear();
  target.resetCalls();
});

/** kms-local's fault injection (only reached inside `describeOnKmsLocal` blocks). */
function faults(): KmsLocalFaults {
  return target.faults!;
}

function keyring(options: Partial<Parameters<typeof kmsKeyring>[0]> = {}) {
  // One attempt: fault tests must see the first failure, not the SDK's retries.
  return kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 }, ...options });
}

describe('kmsKeyring against the KMS test target', () => {
  it('round-trips, and the stored value names the key ARN', async () => {
    const cipher = createFieldCipher({ keyring: keyring() });
    const stored = await cipher.encrypt('ada@example.com', email);
    expect(await cipher.decrypt(stored, email)).toBe('ada@example.com');
    const inspected = cipher.inspect(stored);
    expect(inspected.kind === 'ciphertext' && inspected.wrappingKeys).toEqual([{ providerId: 'aws-kms', keyId: keyArn }]);
  });

  it('cold encryptMany of 1,000 rows x 2 fields: 2 GenerateDataKey calls; reading them back: 2 Decrypt calls', async () => {
    const writer = createFieldCipher({ keyring: keyring() });
    const items = Array.from({ length: 2000 }, (_, i) => ({ value: `person ${i}`, field: i % 2 ? email : ssn }));
    const stored = await writer.encryptMany(items);
    expect(writer.stats.keyringGenerateCalls).toBe(2);
    // kms-local also counts what reached the server (no retries hidden behind the keyring's count).
    if (target.calls()) expect(target.calls()).toMatchObject({ GenerateDataKey: 2 });

    const reader = createFieldCipher({ keyring: keyring() });
    const back = await reader.decryptMany(stored.map((value, i) => ({ value, field: items[i]!.field })));
    expect(back).toEqual(items.map((item) => item.value));
    expect(reader.stats.keyringDecryptCalls).toBe(2);
    if (target.calls()) expect(target.calls()).toMatchObject({ GenerateDataKey: 2, Decrypt: 2 });
  });

  it('currentWrappingKey resolves an alias to the key ARN', async () => {
    const cipher = createFieldCipher({ keyring: keyring({ generatorKeyId: alias }) });
    expect(await cipher.currentWrappingKey()).toEqual({ providerId: 'aws-kms', keyId: keyArn });
  });

  describe('a KMS alias round-trips (issue 10, blocker 1)', () => {
    const aliasArn = () => keyArn.replace(/:key\/.*$/, `:${alias}`);

    it.each([
      ['an alias', () => alias],
      ['an alias ARN', aliasArn],
    ])('generatorKeyId as %s: decrypts its own values, and a fresh keyring reads them too', async (_form, id) => {
      const writer = createFieldCipher({ keyring: keyring({ generatorKeyId: id() }) });
      const stored = await writer.encrypt('ada@example.com', email);
      expect(await writer.decrypt(stored, email)).toBe('ada@example.com');
      const inspected = writer.inspect(stored);
      expect(inspected.kind === 'ciphertext' && inspected.wrappingKeys).toEqual([{ providerId: 'aws-kms', keyId: keyArn }]);
      const fresh = createFieldCipher({ keyring: keyring({ generatorKeyId: id() }) });
      expect(await fresh.decrypt(stored, email)).toBe('ada@example.com');
    });

    it('index keys created under an alias load, in the same and a fresh keyring', async () => {
      const message = await createIndexKey(keyring({ generatorKeyId: alias }), { version: 1 });
      expect((await loadIndexKeys(keyring({ generatorKeyId: alias }), [message])).versions).toEqual([1]);
      expect((await loadIndexKeys(keyring(), [message])).versions).toEqual([1]);
    });

    it('keyIds as an alias: the alias key unwraps data keys alone', async () => {
      const other = (await target.createKey({ alias: uniqueAlias('field-crypto-second') })).arn;
      const stored = await createFieldCipher({ keyring: keyring({ generatorKeyId: other, keyIds: [alias] }) }).encrypt('ada', email);
      const byAlias = kmsKeyring({ keyIds: [alias], ...target.clientConfig() });
      expect(await createFieldCipher({ keyring: byAlias }).decrypt(stored, email)).toBe('ada');
    });

    it('resolves once per keyring: concurrent first uses share one DescribeKey', async () => {
      const ring = keyring({ generatorKeyId: alias });
      target.resetCalls();
      const ciphers = [createFieldCipher({ keyring: ring }), createFieldCipher({ keyring: ring })];
      const stored = await Promise.all(ciphers.map((cipher) => cipher.encrypt('ada', email)));
      await ciphers[0]!.decrypt(stored[1]!, email);
      if (target.calls()) expect(target.calls()!['DescribeKey']).toBe(1);
    });

    it('an unknown alias fails the first use with a KeyringError naming NotFoundException, and construction stays offline', async () => {
      const ring = keyring({ generatorKeyId: 'alias/prisma-kms-no-such-alias' });
      const error = await createFieldCipher({ keyring: ring }).encrypt('ada', email).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyringError);
      expect(error).toMatchObject({ awsErrorName: 'NotFoundException' });
    });
  });

  it('still checks the encryption context with KMS keys', async () => {
    const cipher = createFieldCipher({ keyring: keyring() });
    const stored = await cipher.encrypt('123-45-6789', ssn);
    await expect(cipher.decrypt(stored, email)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  it('rejects a malformed key id as ConfigurationError', () => {
    expect(() => kmsKeyring({ generatorKeyId: 'arn:aws:kms:not-an-arn' })).toThrow(ConfigurationError);
    expect(() => kmsKeyring({})).toThrow(ConfigurationError);
  });

  it('a multi-keyring of KMS and a local recovery key: either one decrypts alone', async () => {
    const recoveryKey = generateLocalKey();
    const both = multiKeyring({ generator: keyring(), children: [localAesKeyring({ key: recoveryKey }, { keyName: 'recovery' })] });
    const stored = await createFieldCipher({ keyring: both }).encrypt('ada', email);

    const viaRecovery = createFieldCipher({ keyring: localAesKeyring({ key: recoveryKey }, { keyName: 'recovery' }) });
    target.resetCalls();
    expect(await viaRecovery.decrypt(stored, email)).toBe('ada');
    if (target.calls()) expect(target.calls()!['Decrypt'] ?? 0).toBe(0);

    const viaKms = createFieldCipher({ keyring: keyring() });
    expect(await viaKms.decrypt(stored, email)).toBe('ada');
    const inspected = viaKms.inspect(stored);
    expect(inspected.kind === 'ciphertext' && inspected.wrappingKeys).toEqual([
      { providerId: 'aws-kms', keyId: keyArn },
      { providerId: 'prisma-kms', keyId: 'recovery' },
    ]);
  });

  it('a discovery keyring (with its filter) decrypts without knowing the key', async () => {
    const stored = await createFieldCipher({ keyring: keyring() }).encrypt('ada', email);
    const [, partition = '', , , account = ''] = keyArn.split(':');
    const discovery = kmsKeyring({ discovery: true, discoveryFilter: { accountIDs: [account], partition }, ...target.clientConfig() });
    expect(await createFieldCipher({ keyring: discovery }).decrypt(stored, email)).toBe('ada');
  });

  it('a discovery keyring whose filter names another account refuses the value', async () => {
    const stored = await createFieldCipher({ keyring: keyring() }).encrypt('ada', email);
    const [, partition = ''] = keyArn.split(':');
    const discovery = kmsKeyring({ discovery: true, discoveryFilter: { accountIDs: ['999999999999'], partition }, ...target.clientConfig() });
    await expect(createFieldCipher({ keyring: discovery }).decrypt(stored, email)).rejects.toBeInstanceOf(KeyringError);
  });
});

describe('Precondition: a discovery keyring names the accounts and partition it trusts', () => {
  it('refuses discovery: true without a discoveryFilter', () => {
    expect(() => kmsKeyring({ discovery: true, region: 'us-east-1' })).toThrow(ConfigurationError);
    expect(() => kmsKeyring({ discovery: true, region: 'us-east-1' })).toThrow(/discoveryFilter/);
  });

  it.each([
    ['no account', { accountIDs: [], partition: 'aws' }],
    ['an account that is not 12 digits', { accountIDs: ['*'], partition: 'aws' }],
    ['no partition', { accountIDs: ['111122223333'], partition: '' }],
  ])('refuses a discoveryFilter with %s', (_what, discoveryFilter) => {
    expect(() => kmsKeyring({ discovery: true, discoveryFilter, region: 'us-east-1' })).toThrow(ConfigurationError);
  });
});

describeOnKmsLocal(describe, 'KMS fault drills')('KMS errors reach the caller typed', () => {
  it.each(['ThrottlingException', 'AccessDeniedException'])(
    'keeps the AWS error name of a failed GenerateDataKey (%s)',
    async (errorType) => {
      const cipher = createFieldCipher({ keyring: keyring() });
      faults().failNext(1, errorType, 'GenerateDataKey');
      const error = (await cipher.encrypt('secret value', email).catch((e: unknown) => e)) as KeyringError;
      expect(error).toBeInstanceOf(KeyringError);
      expect(error.awsErrorName).toBe(errorType);
      expect(error.message).toContain(errorType);
      expect(error.message).not.toContain('secret value');
      expect(error.field).toBe('email');
    },
  );

  it('keeps the AWS error name of a failed Decrypt, which the SDK keyring folds into a plain Error', async () => {
    const stored = await createFieldCipher({ keyring: keyring() }).encrypt('ada', email);
    const reader = createFieldCipher({ keyring: keyring() });
    faults().failNext(1, 'AccessDeniedException', 'Decrypt');
    const error = (await reader.decrypt(stored, email).catch((e: unknown) => e)) as KeyringError;
    expect(error).toBeInstanceOf(KeyringError);
    expect(error.awsErrorName).toBe('AccessDeniedException');
    expect(await reader.decrypt(stored, email)).toBe('ada');
  });
});

describeOnKmsLocal(describe, 'KMS fault drills')('a hung KMS', () => {
  it('fails a write with a KeyringError (TimeoutError) after requestTimeoutMs, retries included', async () => {
    faults().latency(2_000);
    // Default retries (3 attempts): the deadline covers all of them.
    const cipher = createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), requestTimeoutMs: 300 }) });
    const started = Date.now();
    const error = (await cipher.encrypt('secret value', email).catch((e: unknown) => e)) as KeyringError;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(KeyringError);
    expect(error.awsErrorName).toBe('TimeoutError');
    expect(error.message).toContain('requestTimeoutMs');
    expect(error.message).not.toContain('secret value');
    expect(error.field).toBe('email');
    // Bounded by the deadline, far below the injected latency (generous margin for a loaded machine).
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('fails a read with a KeyringError (TimeoutError), and works again once KMS answers', async () => {
    const stored = await createFieldCipher({ keyring: keyring() }).encrypt('ada', email);
    const reader = createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), requestTimeoutMs: 300 }) });
    faults().latency(2_000);
    const error = (await reader.decrypt(stored, email).catch((e: unknown) => e)) as KeyringError;
    expect(error).toBeInstanceOf(KeyringError);
    expect(error.awsErrorName).toBe('TimeoutError');
    faults().clear();
    expect(await reader.decrypt(stored, email)).toBe('ada');
  });

  it('a slow KMS within the deadline still works', async () => {
    faults().latency(100);
    const cipher = createFieldCipher({ keyring: kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), requestTimeoutMs: 3_000 }) });
    const stored = await cipher.encrypt('ada', email);
    expect(await cipher.decrypt(stored, email)).toBe('ada');
  });
});

describe('requestTimeoutMs', () => {
  it.each([0, -1, 1.5, Number.NaN, 2 ** 31, '100'])('rejects requestTimeoutMs %p', (requestTimeoutMs) => {
    expect(() => kmsKeyring({ generatorKeyId: keyArn, requestTimeoutMs: requestTimeoutMs as number })).toThrow(ConfigurationError);
  });
});

describe('client provider', () => {
  it('the KMS keyring calls generateDataKey/encrypt/decrypt on what the provider returns (the aggregated KMS shape)', async () => {
    const { KMS } = await import('@aws-sdk/client-kms');
    const regions: string[] = [];
    const provided = kmsKeyring({
      generatorKeyId: keyArn,
      clientProvider: (region) => {
        regions.push(region);
        return new KMS({ ...target.clientConfig(), maxAttempts: 1 });
      },
    });
    const cipher = createFieldCipher({ keyring: provided });
    const stored = await cipher.encrypt('ada', email);
    expect(await createFieldCipher({ keyring: provided }).decrypt(stored, email)).toBe('ada');
    expect(regions).toEqual([target.region, target.region]);
  });
});
