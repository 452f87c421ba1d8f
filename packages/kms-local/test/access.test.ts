/** Per-key allow lists by access key id, read from the SigV4 Authorization header. */
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import { startKmsLocal, type KmsLocal } from '../src';
import { rejection } from './rejection';

let kms: KmsLocal;
let writer: KMSClient;
let reader: KMSClient;
let stranger: KMSClient;

beforeAll(async () => {
  kms = await startKmsLocal({ quiet: true });
  writer = new KMSClient({ ...kms.clientConfig('AKIAWRITER'), maxAttempts: 1 });
  reader = new KMSClient({ ...kms.clientConfig('AKIAREADER'), maxAttempts: 1 });
  stranger = new KMSClient({ ...kms.clientConfig('AKIASTRANGER'), maxAttempts: 1 });
});
afterAll(async () => {
  for (const client of [writer, reader, stranger]) client.destroy();
  await kms.close();
});

const writerOnly = { GenerateDataKey: ['AKIAWRITER'], Encrypt: ['AKIAWRITER'], Decrypt: ['AKIAREADER'] };

test('a writer may generate data keys but not decrypt; a reader may decrypt but not generate', async () => {
  const { arn } = await kms.createKey({ access: writerOnly });
  const generated = await writer.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
  const denied = await rejection(writer.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob })));
  expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  expect(denied.message).toContain('kms:Decrypt');
  expect(denied.message).toContain(arn);

  const opened = await reader.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob }));
  expect(Buffer.from(opened.Plaintext!)).toEqual(Buffer.from(generated.Plaintext!));
  expect(await rejection(reader.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' })))).toMatchObject({
    name: 'AccessDeniedException',
  });
});

test('operations not listed stay open unless the policy has a "*" entry', async () => {
  const open = await kms.createKey({ access: writerOnly });
  await stranger.send(new DescribeKeyCommand({ KeyId: open.arn }));
  const closed = await kms.createKey({ access: { ...writerOnly, '*': ['AKIAWRITER'] } });
  expect(await rejection(stranger.send(new DescribeKeyCommand({ KeyId: closed.arn })))).toMatchObject({ name: 'AccessDeniedException' });
  await writer.send(new DescribeKeyCommand({ KeyId: closed.arn }));
});

test('a request without a signature is denied where a list applies', async () => {
  const { arn } = await kms.createKey({ access: { Encrypt: ['AKIAWRITER'] } });
  const response = await fetch(kms.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.Encrypt' },
    body: JSON.stringify({ KeyId: arn, Plaintext: Buffer.from('x').toString('base64') }),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ __type: 'AccessDeniedException' });
});

test('ReEncrypt needs ReEncryptFrom on the source key and ReEncryptTo on the destination', async () => {
  const source = await kms.createKey({ access: { ReEncryptFrom: ['AKIAREADER'] } });
  const destination = await kms.createKey({ access: { ReEncryptTo: ['AKIAWRITER'] } });
  const { CiphertextBlob } = await writer.send(new EncryptCommand({ KeyId: source.arn, Plaintext: Buffer.from('x') }));
  const move = (client: KMSClient) => client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination.arn }));
  expect((await rejection(move(writer))).message).toContain('kms:ReEncryptFrom');
  expect((await rejection(move(reader))).message).toContain('kms:ReEncryptTo');
  await kms.setAccess(destination.arn, { ReEncryptTo: ['AKIAWRITER', 'AKIAREADER'] });
  await move(reader);
});

test('setAccess(key, undefined) opens the key again', async () => {
  const { keyId } = await kms.createKey({ alias: 'alias/locked', access: { Encrypt: [] } });
  expect(await rejection(writer.send(new EncryptCommand({ KeyId: 'alias/locked', Plaintext: Buffer.from('x') })))).toMatchObject({
    name: 'AccessDeniedException',
  });
  await kms.setAccess(keyId, undefined);
  await writer.send(new EncryptCommand({ KeyId: 'alias/locked', Plaintext: Buffer.from('x') }));
});
