/** Fault drills and call counters, through the SDK (faults) and over HTTP (the control endpoint). */
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startKmsLocal, type KmsLocal } from '../src';
import { rejection } from './rejection';

let kms: KmsLocal;
let client: KMSClient;
let keyArn: string;

beforeAll(async () => {
  kms = await startKmsLocal({ quiet: true });
  keyArn = (await kms.createKey()).arn;
});
afterAll(() => kms.close());
beforeEach(() => {
  kms.faults.clear();
  kms.resetCalls();
  client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
});
afterEach(() => client.destroy());

const plaintext = Buffer.from('value');

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('calls() counts each operation the server received, and resetCalls() starts over', async () => {
  await client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
  await client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
  await rejection(client.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));
  expect(kms.calls()).toEqual({ GenerateDataKey: 2, DescribeKey: 1 });
  kms.resetCalls();
  expect(kms.calls()).toEqual({});
});

test('createKey() is not a counted call', async () => {
  await kms.createKey();
  expect(kms.calls()).toEqual({});
});

test('failNext(n, type) fails exactly the next n calls with that error, then calls succeed', async () => {
  kms.faults.failNext(2, 'KMSInternalException');
  for (let i = 0; i < 2; i++) {
    const error = await rejection(client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })));
    expect(error).toMatchObject({ name: 'KMSInternalException', $metadata: { httpStatusCode: 500 } });
  }
  await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
  expect(kms.calls()).toEqual({ Encrypt: 3 });
});

test('failNext with an operation fails only that operation', async () => {
  const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
  kms.faults.failNext(1, 'ThrottlingException', 'Decrypt');
  await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
  expect(await rejection(client.send(new DecryptCommand({ CiphertextBlob })))).toMatchObject({ name: 'ThrottlingException' });
  await client.send(new DecryptCommand({ CiphertextBlob }));
});

test('the SDK retries an injected ThrottlingException by itself when retries are on', async () => {
  const retrying = new KMSClient({ ...kms.clientConfig(), maxAttempts: 3, retryMode: 'standard' });
  kms.faults.failNext(1, 'ThrottlingException');
  try {
    await retrying.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
  } finally {
    retrying.destroy();
  }
  expect(kms.calls()).toEqual({ Encrypt: 2 });
});

test('throttleAbove(n) answers ThrottlingException for calls beyond n per second', async () => {
  // A stopped clock keeps all six calls inside one window however slow the machine is.
  let now = Date.now();
  const frozen = await startKmsLocal({ quiet: true, clock: () => now });
  const frozenClient = new KMSClient({ ...frozen.clientConfig(), maxAttempts: 1 });
  const { arn } = await frozen.createKey();
  frozen.faults.throttleAbove(3);
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, () => frozenClient.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }))),
  );
  const throttled = results.filter((result) => result.status === 'rejected');
  expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
  expect(throttled).toHaveLength(3);
  for (const result of throttled) {
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
  }
  now += 1001;
  await frozenClient.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }));
  frozen.faults.throttleAbove(undefined);
  frozenClient.destroy();
  await frozen.close();
});

test('down(true) destroys connections: the SDK sees a network error, not a KMS error; down(false) recovers', async () => {
  await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })); // a keep-alive socket now exists
  kms.faults.down(true);
  const error = await rejection(client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })));
  expect(error.$metadata?.httpStatusCode).toBeUndefined();
  expect(error.name).not.toMatch(/Exception$/);
  expect((error as NodeJS.ErrnoException).code ?? error.message).toMatch(/ECONNRESET|socket hang up|EPIPE/);
  kms.faults.down(false);
  await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
});

// This SDK version only warns on requestTimeout unless throwOnRequestTimeout is set.
test('latency(ms) delays calls: a client timeout shorter than the latency fails', async () => {
  kms.faults.latency(300);
  const impatient = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1, requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true } });
  try {
    const error = await rejection(impatient.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })));
    expect(error.name).toMatch(/TimeoutError/);
    // The server still serves (and counts) the abandoned call once its latency is over: let it land
    // here rather than in a later test's counters.
    await waitFor(() => kms.calls().Encrypt === 1);
  } finally {
    impatient.destroy();
  }
  kms.faults.latency(0);
  await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
});

test('invalid fault settings are refused with a typed error', () => {
  expect(() => kms.faults.latency(-1)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  expect(() => kms.faults.failNext(1, 'not an error name')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  expect(() => kms.faults.throttleAbove(0)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
});

describe('the control endpoint', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kms.endpoint}/__kms-local/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('GET health names the endpoint, Region and account', async () => {
    expect(await control('GET', 'health')).toEqual({
      status: 200,
      body: { status: 'ok', endpoint: kms.endpoint, region: 'us-east-1', accountId: '111122223333' },
    });
  });

  test('GET calls and DELETE calls read and reset the counters', async () => {
    await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
    expect((await control('GET', 'calls')).body).toEqual({ calls: { Encrypt: 1 } });
    await control('DELETE', 'calls');
    expect(kms.calls()).toEqual({});
  });

  test('POST faults drives the same drills: failNext, throttleAbove, down (while the control path stays up)', async () => {
    const set = await control('POST', 'faults', { failNext: { count: 1, errorType: 'DependencyTimeoutException', operation: 'Encrypt' } });
    expect(set.body).toMatchObject({ failNext: [{ count: 1, errorType: 'DependencyTimeoutException', operation: 'Encrypt' }] });
    expect(await rejection(client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })))).toMatchObject({
      name: 'DependencyTimeoutException',
      $metadata: { httpStatusCode: 503 },
    });

    await control('POST', 'faults', { down: true });
    await rejection(client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })));
    expect((await control('GET', 'faults')).body).toMatchObject({ down: true });
    await control('DELETE', 'faults');
    await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));

    expect((await control('POST', 'faults', { throttleAbove: 5, latencyMs: 1 })).body).toEqual({
      latencyMs: 1,
      failNext: [],
      throttleAbove: 5,
      down: false,
    });
    expect((await control('POST', 'faults', { clear: true })).body).toMatchObject({ throttleAbove: null, latencyMs: 0 });
  });

  test('POST keys seeds a key with an alias; PUT keys/<alias>/access sets its allow list', async () => {
    const created = await control('POST', 'keys', { alias: 'alias/control-seeded' });
    expect(created.body['arn']).toMatch(/:key\//);
    const reader = new KMSClient({ ...kms.clientConfig('AKIAREADER'), maxAttempts: 1 });
    try {
      await control('PUT', `keys/${encodeURIComponent('alias/control-seeded')}/access`, { Encrypt: ['AKIAWRITER'] });
      expect(await rejection(reader.send(new EncryptCommand({ KeyId: 'alias/control-seeded', Plaintext: plaintext })))).toMatchObject({
        name: 'AccessDeniedException',
      });
      await control('PUT', `keys/${encodeURIComponent('alias/control-seeded')}/access`, null);
      await reader.send(new EncryptCommand({ KeyId: 'alias/control-seeded', Plaintext: plaintext }));
    } finally {
      reader.destroy();
    }
  });

  test('bad control requests get a 4xx with an error code, not a crash', async () => {
    expect(await control('POST', 'faults', { latencyMs: -5 })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_OPTION' } } });
    expect(await control('GET', 'nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'BAD_CONTROL_REQUEST' } } });
    expect(await control('POST', 'keys', { alias: 'alias/control-seeded' })).toMatchObject({
      status: 400,
      body: { error: { code: 'AlreadyExistsException' } },
    });
  });
});
