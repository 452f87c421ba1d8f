/**
 * The cipher with `format: 'compact'` and a key store on kms-local: size, both formats read by one
 * cipher, inspect, field binding, typed errors naming model and field, one KMS Decrypt per key version
 * for a fresh process reading 5,000 values, and batches that yield to the event loop.
 */
import { describeOnKmsLocal, openKmsTarget, uniqueAlias, type KmsTarget } from '@prisma-kms/kms-local/testing';
import {
  ConfigurationError,
  createFieldCipher,
  createKeyStore,
  DecryptionError,
  KEY_STORE_PROVIDER_ID,
  keyStoreAdmin,
  KeyStoreError,
  KeyStoreErrorReason,
  kmsKeyring,
  MalformedCiphertextError,
  memoryKeyStorage,
  type FieldRef,
  type KeyStoreStorage,
} from '../index';
import { rejection } from '../__tests__/rejection';

const email: FieldRef = { model: 'User', field: 'email' };
const phone: FieldRef = { model: 'User', field: 'phone' };

let target: KmsTarget;
let keyArn: string;
let storage: KeyStoreStorage;
let keyVersionId: number;

const keyring = () => kmsKeyring({ generatorKeyId: keyArn, ...target.clientConfig(), clientConfig: { maxAttempts: 1 } });
/** A fresh process: a new key store (empty cache) and cipher over the same rows. */
const freshCipher = (options: { format?: 'compact' | 'message' } = {}) =>
  createFieldCipher({ keyring: keyring(), keyStore: createKeyStore({ name: 'app', storage, keyring: keyring() }), ...options });
const kmsCalls = (op: string) => target.calls()?.[op] ?? 0;

beforeAll(async () => {
  target = await openKmsTarget();
  keyArn = (await target.createKey({ alias: uniqueAlias('compact-cipher') })).arn;
  storage = memoryKeyStorage();
  keyVersionId = (await keyStoreAdmin({ name: 'app', storage, keyring: keyring() }).createKeyVersion()).id;
});
afterAll(() => target.close());
beforeEach(() => target.resetCalls());

describe("format: 'compact'", () => {
  it('a 9-byte value is stored in 56 characters and reads back; inspect names its key version', async () => {
    const cipher = freshCipher();
    const stored = await cipher.encrypt('123456789', phone);
    expect(stored).toHaveLength(56);
    expect(await cipher.decrypt(stored, phone)).toBe('123456789');
    expect(cipher.inspect(stored)).toEqual({ kind: 'compact', keyVersionId, wrappingKeys: [{ providerId: KEY_STORE_PROVIDER_ID, keyId: String(keyVersionId) }] });
    expect(await cipher.currentWrappingKey()).toEqual({ providerId: KEY_STORE_PROVIDER_ID, keyId: String(keyVersionId) });
  });

  it('one cipher reads both formats; a message cipher with the key store reads compact values', async () => {
    const compact = freshCipher();
    const message = freshCipher({ format: 'message' });
    const asMessage = await message.encrypt('ada@example.com', email);
    const asCompact = await compact.encrypt('ada@example.com', email);
    expect(message.inspect(asMessage).kind).toBe('ciphertext');
    expect([compact.format, message.format, createFieldCipher({ keyring: keyring() }).format]).toEqual(['compact', 'message', 'message']);
    expect(await compact.decryptMany([{ value: asMessage, field: email }, { value: asCompact, field: email }])).toEqual(['ada@example.com', 'ada@example.com']);
    expect(await message.decrypt(asCompact, email)).toBe('ada@example.com');
  });

  it('Precondition: a compact value copied to another field is refused with an error naming the field', async () => {
    const cipher = freshCipher();
    const stored = await cipher.encrypt('ada@example.com', email);
    const e = await rejection(cipher.decrypt(stored, phone));
    expect(e).toBeInstanceOf(DecryptionError);
    expect(e.message).toMatch(/^User\.phone: /);
    expect(e.message).not.toContain('ada');
  });

  it('Precondition: a damaged compact value is malformed, never plaintext', async () => {
    const cipher = freshCipher();
    const stored = await cipher.encrypt('ada@example.com', email);
    expect(cipher.inspect(stored.slice(0, 30))).toEqual({ kind: 'malformed', reason: 'compact-base64-length' });
    await expect(cipher.decrypt(stored.slice(0, 40), email)).rejects.toBeInstanceOf(MalformedCiphertextError);
  });

  it('compact values need a key store: typed errors at creation and on read', async () => {
    expect(() => createFieldCipher({ keyring: keyring(), format: 'compact' })).toThrow(ConfigurationError);
    const stored = await freshCipher().encrypt('x', email);
    await expect(createFieldCipher({ keyring: keyring() }).decrypt(stored, email)).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describeOnKmsLocal(describe, 'KMS call counts')('KMS and storage calls', () => {
  it('a fresh process reading 5,000 values written under one key version: exactly one KMS Decrypt', async () => {
    const writer = freshCipher();
    const items = Array.from({ length: 5000 }, (_, i) => ({ value: `user${i}@example.com`, field: i % 2 ? email : phone }));
    const stored = await writer.encryptMany(items);
    target.resetCalls();
    const reader = freshCipher();
    const read = await reader.decryptMany(stored.map((value, i) => ({ value, field: items[i]!.field })));
    expect(read).toEqual(items.map((item) => item.value));
    expect(kmsCalls('Decrypt')).toBe(1);
    expect(kmsCalls('GenerateDataKey')).toBe(0);
  }, 60_000);

  it('Precondition: 1,000 values under an unknown key version: typed errors naming model and field, no KMS call, one storage read', async () => {
    const stored = Buffer.from(await freshCipher().encrypt('ada@example.com', email), 'base64');
    stored.writeUInt32BE(keyVersionId === 1 ? 2 : 1, 1);
    target.resetCalls();
    let reads = 0;
    const counted: KeyStoreStorage = { ...storage, get: (s, id) => ((reads += 1), storage.get(s, id)) };
    const cipher = createFieldCipher({ keyStore: createKeyStore({ name: 'app', storage: counted, keyring: keyring() }) });
    const errors = await Promise.all(Array.from({ length: 1000 }, () => rejection(cipher.decrypt(stored.toString('base64'), email))));
    for (const e of errors) {
      expect(e).toBeInstanceOf(KeyStoreError);
      expect(e).toMatchObject({ reason: KeyStoreErrorReason.KEY_VERSION_UNKNOWN, model: 'User', field: 'email' });
    }
    expect(reads).toBe(1);
    expect(kmsCalls('Decrypt')).toBe(0);
  });
});

describe('event loop', () => {
  it('decryptMany of 20,000 warm values yields: no synchronous stretch much over 10 ms', async () => {
    const cipher = freshCipher();
    const items = Array.from({ length: 20_000 }, (_, i) => ({ value: `v${i}`, field: email }));
    const stored = await cipher.encryptMany(items);
    const gaps: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = () => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const started = performance.now();
    const read = await cipher.decryptMany(stored.map((value) => ({ value, field: email })));
    const took = performance.now() - started;
    running = false;
    expect(read[19_999]).toBe('v19999');
    // Without slices the whole batch (took) is one stretch; with them the loop turns many times.
    expect(gaps.length).toBeGreaterThan(3);
    expect(Math.max(...gaps)).toBeLessThan(Math.max(30, took / 3));
  }, 60_000);
});
