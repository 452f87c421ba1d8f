/**
 * Every operation through the unmodified @aws-sdk/client-kms. Runs against kms-local by default and
 * against LocalStack or AWS when told to (see src/testing).
 */
import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  DisabledException,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  type KMSClient,
  KMSInvalidMacException,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  NotFoundException,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
/** ValidationException is a common AWS error, not modeled in the KMS SDK: it arrives as a KMSServiceException by name. */
const VALIDATION = { name: 'ValidationException', $metadata: { httpStatusCode: 400 } };
import { openKmsTarget, uniqueAlias, type KmsTarget } from '../src/testing';
import { rejection } from './rejection';

let target: KmsTarget;
let kms: KMSClient;

beforeAll(async () => {
  target = await openKmsTarget();
  kms = target.client();
});
afterAll(async () => {
  await target.close();
});

const text = (value: string) => Buffer.from(value, 'utf8');
const keyIdOf = (arn: string) => arn.slice(arn.indexOf(':key/') + 5);
const regionOf = (arn: string) => arn.split(':')[3]!;
const accountOf = (arn: string) => arn.split(':')[4]!;

describe('CreateKey, DescribeKey, ListKeys', () => {
  test('CreateKey makes an enabled symmetric key that DescribeKey finds by id and by ARN', async () => {
    const arn = (await target.createKey({ Description: 'first' })).arn;
    expect(arn).toMatch(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/);
    for (const reference of [arn, keyIdOf(arn)]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
      expect(KeyMetadata).toMatchObject({
        Arn: arn,
        KeyId: keyIdOf(arn),
        AWSAccountId: accountOf(arn),
        Enabled: true,
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        MultiRegion: false,
        Description: 'first',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      });
      expect(KeyMetadata!.CreationDate).toBeInstanceOf(Date);
      expect(Math.abs(KeyMetadata!.CreationDate!.getTime() - Date.now())).toBeLessThan(10 * 60 * 1000);
    }
  });

  test('CreateKey with MultiRegion makes a primary multi-Region key (mrk- id)', async () => {
    const arn = (await target.createKey({ MultiRegion: true })).arn;
    expect(keyIdOf(arn)).toMatch(/^mrk-[0-9a-f]{32}$/);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: arn }));
    expect(KeyMetadata!.MultiRegion).toBe(true);
    expect(KeyMetadata!.MultiRegionConfiguration).toMatchObject({
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: arn, Region: regionOf(arn) },
    });
  });

  test('ListKeys pages with Limit and Marker and lists every key', async () => {
    const arns = [(await target.createKey()).arn, (await target.createKey()).arn];
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 1, ...(marker ? { Marker: marker } : {}) }));
      expect(page.Keys!.length).toBeLessThanOrEqual(1);
      for (const entry of page.Keys!) {
        expect(entry.KeyArn).toContain(entry.KeyId!);
        seen.push(entry.KeyArn!);
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    for (const arn of arns) expect(seen).toContain(arn);
  });

  test('DescribeKey of a key that does not exist is NotFoundException (400)', async () => {
    const error = await rejection(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })));
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  test('an ARN naming another Region does not resolve', async () => {
    const arn = (await target.createKey()).arn;
    const elsewhere = arn.replace(`:${regionOf(arn)}:`, regionOf(arn) === 'eu-west-1' ? ':eu-west-2:' : ':eu-west-1:');
    expect(await rejection(kms.send(new DescribeKeyCommand({ KeyId: elsewhere })))).toBeInstanceOf(NotFoundException);
  });
});

describe('aliases', () => {
  test('an alias resolves by name and by ARN, lists under its key, and is gone after DeleteAlias', async () => {
    const arn = (await target.createKey()).arn;
    const alias = uniqueAlias('api');
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyIdOf(arn) }));
    const aliasArn = `${arn.slice(0, arn.indexOf(':key/'))}:${alias}`;
    for (const reference of [alias, aliasArn]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
      expect(KeyMetadata!.Arn).toBe(arn);
    }
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('via alias') }));
    expect((await kms.send(new DecryptCommand({ CiphertextBlob }))).KeyId).toBe(arn);

    const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: keyIdOf(arn) }));
    expect(Aliases).toEqual([expect.objectContaining({ AliasName: alias, AliasArn: aliasArn, TargetKeyId: keyIdOf(arn) })]);

    expect(await rejection(kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn })))).toBeInstanceOf(AlreadyExistsException);
    await kms.send(new DeleteAliasCommand({ AliasName: alias }));
    expect(await rejection(kms.send(new DescribeKeyCommand({ KeyId: alias })))).toBeInstanceOf(NotFoundException);
    expect(await rejection(kms.send(new DeleteAliasCommand({ AliasName: alias })))).toBeInstanceOf(NotFoundException);
  });

  test('CreateAlias rejects a name outside alias/[a-zA-Z0-9/_-]+ with ValidationException', async () => {
    const arn = (await target.createKey()).arn;
    expect(await rejection(kms.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: arn })))).toMatchObject(VALIDATION);
  });
});

describe('data keys, Encrypt, Decrypt, ReEncrypt', () => {
  const context = { 'prisma-kms:model': 'User', 'prisma-kms:field': 'email' };

  test('GenerateDataKey returns a 32-byte key whose blob Decrypt opens without a KeyId', async () => {
    const arn = (await target.createKey()).arn;
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(generated.KeyId).toBe(arn);
    expect(generated.Plaintext).toHaveLength(32);
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }));
    expect(decrypted.KeyId).toBe(arn);
    expect(Buffer.from(decrypted.Plaintext!)).toEqual(Buffer.from(generated.Plaintext!));
    expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
  });

  test('GenerateDataKey honours NumberOfBytes and rejects both or neither of KeySpec and NumberOfBytes', async () => {
    const arn = (await target.createKey()).arn;
    expect((await kms.send(new GenerateDataKeyCommand({ KeyId: arn, NumberOfBytes: 17 }))).Plaintext).toHaveLength(17);
    expect((await kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_128' }))).Plaintext).toHaveLength(16);
    expect(await rejection(kms.send(new GenerateDataKeyCommand({ KeyId: arn })))).toMatchObject(VALIDATION);
    expect(await rejection(kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', NumberOfBytes: 32 })))).toMatchObject(VALIDATION);
  });

  test('GenerateDataKeyWithoutPlaintext returns only a blob, which decrypts to a key of the asked size', async () => {
    const arn = (await target.createKey()).arn;
    const generated = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: arn, KeySpec: 'AES_256' }));
    expect(generated).not.toHaveProperty('Plaintext');
    expect(generated.KeyId).toBe(arn);
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob }))).Plaintext).toHaveLength(32);
  });

  test('Encrypt binds the encryption context: Decrypt with another or no context is InvalidCiphertextException', async () => {
    const arn = (await target.createKey()).arn;
    const { CiphertextBlob, KeyId } = await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: text('secret'), EncryptionContext: context }));
    expect(KeyId).toBe(arn);
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { ...context }, KeyId: arn }));
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('secret');
    for (const other of [{ ...context, 'prisma-kms:field': 'ssn' }, {}, { ...context, extra: 'x' }]) {
      const error = await rejection(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: other })));
      expect(error).toBeInstanceOf(InvalidCiphertextException);
    }
  });

  test('a changed ciphertext byte is InvalidCiphertextException', async () => {
    const arn = (await target.createKey()).arn;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: text('secret') }));
    const tampered = Buffer.from(CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    expect(await rejection(kms.send(new DecryptCommand({ CiphertextBlob: tampered })))).toBeInstanceOf(InvalidCiphertextException);
  });

  test('Decrypt naming a different key than the one that encrypted is IncorrectKeyException', async () => {
    const [first, second] = [(await target.createKey()).arn, (await target.createKey()).arn];
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: first, Plaintext: text('x') }));
    expect(await rejection(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: second })))).toBeInstanceOf(IncorrectKeyException);
  });

  test('ReEncrypt moves a ciphertext to another key and context without returning the plaintext', async () => {
    const [source, destination] = [(await target.createKey()).arn, (await target.createKey()).arn];
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: source, Plaintext: text('moved'), EncryptionContext: context }));
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: destination,
        DestinationEncryptionContext: { purpose: 'archive' },
      }),
    );
    expect(moved).toMatchObject({ SourceKeyId: source, KeyId: destination });
    expect(moved).not.toHaveProperty('Plaintext');
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { purpose: 'archive' } }));
    expect(opened.KeyId).toBe(destination);
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('moved');
  });
});

describe('key state', () => {
  test('a disabled key refuses use with DisabledException and works again after EnableKey', async () => {
    const arn = (await target.createKey()).arn;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: text('kept') }));
    await kms.send(new DisableKeyCommand({ KeyId: arn }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    expect(await rejection(kms.send(new EncryptCommand({ KeyId: arn, Plaintext: text('x') })))).toBeInstanceOf(DisabledException);
    expect(await rejection(kms.send(new DecryptCommand({ CiphertextBlob })))).toBeInstanceOf(DisabledException);
    expect(await rejection(kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' })))).toBeInstanceOf(DisabledException);
    await kms.send(new EnableKeyCommand({ KeyId: arn }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString()).toBe('kept');
  });

  test('a key pending deletion refuses use with KMSInvalidStateException; CancelKeyDeletion leaves it disabled', async () => {
    const arn = (await target.createKey()).arn;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: text('kept') }));
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 }));
    expect(scheduled).toMatchObject({ KeyId: arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    const days = (scheduled.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    expect(await rejection(kms.send(new DecryptCommand({ CiphertextBlob })))).toBeInstanceOf(KMSInvalidStateException);
    expect(await rejection(kms.send(new EnableKeyCommand({ KeyId: arn })))).toBeInstanceOf(KMSInvalidStateException);
    expect(await rejection(kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn })))).toBeInstanceOf(KMSInvalidStateException);

    expect((await kms.send(new CancelKeyDeletionCommand({ KeyId: arn }))).KeyId).toBe(arn);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!.KeyState).toBe('Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: arn }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString()).toBe('kept');
  });

  test('ScheduleKeyDeletion rejects a window outside 7-30 days with ValidationException', async () => {
    const arn = (await target.createKey()).arn;
    expect(await rejection(kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 6 })))).toMatchObject(VALIDATION);
  });
});

describe('rotation', () => {
  test('EnableKeyRotation takes RotationPeriodInDays 90-2560 and GetKeyRotationStatus reports it', async () => {
    const arn = (await target.createKey()).arn;
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }))).KeyRotationEnabled).toBe(false);
    expect(await rejection(kms.send(new EnableKeyRotationCommand({ KeyId: arn, RotationPeriodInDays: 89 })))).toMatchObject(VALIDATION);
    expect(await rejection(kms.send(new EnableKeyRotationCommand({ KeyId: arn, RotationPeriodInDays: 2561 })))).toMatchObject(VALIDATION);
    await kms.send(new EnableKeyRotationCommand({ KeyId: arn, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }));
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    const days = (status.NextRotationDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThan(91);
    await kms.send(new DisableKeyRotationCommand({ KeyId: arn }));
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }))).KeyRotationEnabled).toBe(false);
  });

  test('after RotateKeyOnDemand old ciphertexts still decrypt, new ones use the new material, ListKeyRotations shows it', async () => {
    const arn = (await target.createKey()).arn;
    const before = await kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: arn }))).Rotations).toEqual([]);

    expect((await kms.send(new RotateKeyOnDemandCommand({ KeyId: arn }))).KeyId).toBe(keyIdOf(arn));
    const after = await kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));

    const oldOpened = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    expect(Buffer.from(oldOpened.Plaintext!)).toEqual(Buffer.from(before.Plaintext!));
    const newOpened = await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }));
    expect(Buffer.from(newOpened.Plaintext!)).toEqual(Buffer.from(after.Plaintext!));

    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: arn }));
    expect(Rotations).toHaveLength(1);
    expect(Rotations![0]).toMatchObject({ KeyId: keyIdOf(arn), RotationType: 'ON_DEMAND' });
    expect(Rotations![0]!.RotationDate).toBeInstanceOf(Date);
    if (target.kind === 'kms-local') {
      // AWS returns material ids too, but only kms-local is known to fill them on every path.
      expect(before.KeyMaterialId).toBeDefined();
      expect(after.KeyMaterialId).not.toBe(before.KeyMaterialId);
      expect(oldOpened.KeyMaterialId).toBe(before.KeyMaterialId);
      expect(newOpened.KeyMaterialId).toBe(after.KeyMaterialId);
      expect(Rotations![0]).toMatchObject({ KeyMaterialId: after.KeyMaterialId, KeyMaterialState: 'CURRENT' });
      const all = await kms.send(new ListKeyRotationsCommand({ KeyId: arn, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }));
      expect(all.Rotations!.map((entry) => entry.KeyMaterialId)).toEqual([before.KeyMaterialId, after.KeyMaterialId]);
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: arn }));
      expect(KeyMetadata!.CurrentKeyMaterialId).toBe(after.KeyMaterialId);
    }
  });
});

describe('HMAC keys', () => {
  test('GenerateMac and VerifyMac with an HMAC_256 key; a changed message is KMSInvalidMacException', async () => {
    const arn = (await target.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).arn;
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: arn }));
    expect(KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MacAlgorithms: ['HMAC_SHA_256'] });
    const message = text('alice@example.com');
    const generated = await kms.send(new GenerateMacCommand({ KeyId: arn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(generated).toMatchObject({ KeyId: arn, MacAlgorithm: 'HMAC_SHA_256' });
    expect(generated.Mac).toHaveLength(32);
    const again = await kms.send(new GenerateMacCommand({ KeyId: arn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(again.Mac!)).toEqual(Buffer.from(generated.Mac!));

    const verified = await kms.send(new VerifyMacCommand({ KeyId: arn, Message: message, MacAlgorithm: 'HMAC_SHA_256', Mac: generated.Mac }));
    expect(verified).toMatchObject({ KeyId: arn, MacValid: true });
    const error = await rejection(
      kms.send(new VerifyMacCommand({ KeyId: arn, Message: text('mallory@example.com'), MacAlgorithm: 'HMAC_SHA_256', Mac: generated.Mac })),
    );
    expect(error).toBeInstanceOf(KMSInvalidMacException);
  });

  test('keys are used only for their key usage: InvalidKeyUsageException', async () => {
    const hmac = (await target.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).arn;
    const symmetric = (await target.createKey()).arn;
    expect(await rejection(kms.send(new EncryptCommand({ KeyId: hmac, Plaintext: text('x') })))).toBeInstanceOf(InvalidKeyUsageException);
    expect(await rejection(kms.send(new GenerateMacCommand({ KeyId: symmetric, Message: text('x'), MacAlgorithm: 'HMAC_SHA_256' })))).toBeInstanceOf(
      InvalidKeyUsageException,
    );
    expect(await rejection(kms.send(new GenerateMacCommand({ KeyId: hmac, Message: text('x'), MacAlgorithm: 'HMAC_SHA_512' })))).toBeInstanceOf(
      InvalidKeyUsageException,
    );
  });

  test('every KMS error is the SDK\'s KMSServiceException subclass, never a generic error', async () => {
    const error = await rejection(kms.send(new DecryptCommand({ CiphertextBlob: text('not a ciphertext') })));
    expect(error).toBeInstanceOf(KMSServiceException);
    expect(error).toBeInstanceOf(InvalidCiphertextException);
  });
});
