/** Keys survive restarts through the state file; time-driven changes (rotation, deletion) apply on read. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListKeyRotationsCommand,
  NotFoundException,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { startKmsLocal, KmsLocalError, type KmsLocal } from '../src';
import { rejection } from './rejection';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kms-local-state-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

async function withClient<T>(kms: KmsLocal, use: (client: KMSClient) => Promise<T>): Promise<T> {
  const client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

test('keys, aliases, rotations and allow lists survive a restart; old ciphertexts still decrypt', async () => {
  const stateFile = join(directory, 'nested', 'kms.json');
  const first = await startKmsLocal({ quiet: true, stateFile, accountId: '444455556666', region: 'eu-west-1' });
  const { arn } = await first.createKey({ alias: 'alias/kept', access: { Decrypt: ['AKIAKMSLOCALTEST'] } });
  expect(arn).toMatch(/^arn:aws:kms:eu-west-1:444455556666:key\//);
  const generated = await withClient(first, (client) =>
    client.send(new GenerateDataKeyCommand({ KeyId: 'alias/kept', KeySpec: 'AES_256', EncryptionContext: { a: 'b' } })),
  );
  await withClient(first, (client) => client.send(new RotateKeyOnDemandCommand({ KeyId: arn })));
  await first.close();
  expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  expect(readdirSync(join(directory, 'nested'))).toEqual(['kms.json']); // no temp files left behind

  const second = await startKmsLocal({ quiet: true, stateFile });
  expect(second).toMatchObject({ accountId: '444455556666', region: 'eu-west-1' });
  await withClient(second, async (client) => {
    const opened = await client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { a: 'b' } }));
    expect(Buffer.from(opened.Plaintext!)).toEqual(Buffer.from(generated.Plaintext!));
    expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/kept' }))).KeyMetadata!.Arn).toBe(arn);
    expect((await client.send(new ListKeyRotationsCommand({ KeyId: arn }))).Rotations).toHaveLength(1);
  });
  const stranger = new KMSClient({ ...second.clientConfig('AKIASTRANGER'), maxAttempts: 1 });
  expect(await rejection(stranger.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { a: 'b' } })))).toMatchObject({
    name: 'AccessDeniedException',
  });
  stranger.destroy();
  await second.close();
});

test('without a state file, keys are gone after a restart and Decrypt says so', async () => {
  const first = await startKmsLocal({ quiet: true });
  const { arn } = await first.createKey();
  const { CiphertextBlob } = await withClient(first, (client) => client.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') })));
  await first.close();
  const second = await startKmsLocal({ quiet: true });
  const error = await withClient(second, (client) => rejection(client.send(new DecryptCommand({ CiphertextBlob }))));
  expect(error).toBeInstanceOf(NotFoundException);
  expect(error.message).toContain('--state');
  await second.close();
});

test('a state file of another account or Region is refused with STATE_FILE_MISMATCH', async () => {
  const stateFile = join(directory, 'kms.json');
  await (await startKmsLocal({ quiet: true, stateFile })).close();
  await expect(startKmsLocal({ quiet: true, stateFile, region: 'eu-central-1' })).rejects.toMatchObject({
    code: 'STATE_FILE_MISMATCH',
  });
  await expect(startKmsLocal({ quiet: true, stateFile, accountId: '999999999999' })).rejects.toBeInstanceOf(KmsLocalError);
});

test('a corrupt state file is refused with STATE_FILE_UNREADABLE, and left as it was', async () => {
  const stateFile = join(directory, 'kms.json');
  writeFileSync(stateFile, '{"version": 1, "keys": "nope"');
  await expect(startKmsLocal({ quiet: true, stateFile })).rejects.toMatchObject({ code: 'STATE_FILE_UNREADABLE' });
  writeFileSync(stateFile, JSON.stringify({ version: 2 }));
  await expect(startKmsLocal({ quiet: true, stateFile })).rejects.toMatchObject({ code: 'STATE_FILE_UNREADABLE' });
  expect(readFileSync(stateFile, 'utf8')).toBe(JSON.stringify({ version: 2 }));
});

describe('time', () => {
  const DAY = 86_400_000;

  test('automatic rotation appends material when the period passes; older ciphertexts still decrypt', async () => {
    let now = Date.UTC(2026, 0, 1);
    const kms = await startKmsLocal({ quiet: true, clock: () => now });
    const { arn } = await kms.createKey();
    await withClient(kms, async (client) => {
      await client.send(new EnableKeyRotationCommand({ KeyId: arn, RotationPeriodInDays: 90 }));
      const before = await client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
      now += 200 * DAY;
      const { Rotations } = await client.send(new ListKeyRotationsCommand({ KeyId: arn }));
      expect(Rotations!.map((rotation) => [rotation.RotationType, rotation.RotationDate!.getTime()])).toEqual([
        ['AUTOMATIC', Date.UTC(2026, 0, 1) + 90 * DAY],
        ['AUTOMATIC', Date.UTC(2026, 0, 1) + 180 * DAY],
      ]);
      const after = await client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
      expect(after.KeyMaterialId).toBe(Rotations![1]!.KeyMaterialId);
      expect((await client.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).KeyMaterialId).toBe(before.KeyMaterialId);
    });
    await kms.close();
  });

  test('a key is deleted, with its aliases, when its deletion window ends', async () => {
    let now = Date.UTC(2026, 0, 1);
    const kms = await startKmsLocal({ quiet: true, clock: () => now });
    const { arn } = await kms.createKey({ alias: 'alias/doomed' });
    await withClient(kms, async (client) => {
      await client.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 }));
      now += 7 * DAY - 1;
      expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/doomed' }))).KeyMetadata!.KeyState).toBe('PendingDeletion');
      now += 1;
      expect(await rejection(client.send(new DescribeKeyCommand({ KeyId: arn })))).toBeInstanceOf(NotFoundException);
      expect(await rejection(client.send(new DescribeKeyCommand({ KeyId: 'alias/doomed' })))).toBeInstanceOf(NotFoundException);
    });
    await kms.close();
  });
});
