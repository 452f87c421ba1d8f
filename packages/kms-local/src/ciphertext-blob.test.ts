import { randomBytes } from 'node:crypto';
import { canonicalEncryptionContext, openBlob, readBlobHeader, sealBlob } from './ciphertext-blob';

const material = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', keyMaterialId: 'ab'.repeat(32), secret: randomBytes(32) };
const context = { model: 'User', field: 'email' };

test('a sealed blob names its key and material and opens under the same context', () => {
  const blob = sealBlob(material, Buffer.from('data key'), context);
  expect(readBlobHeader(blob)).toEqual({ keyId: material.keyId, keyMaterialId: material.keyMaterialId });
  expect(openBlob(blob, material.secret, { field: 'email', model: 'User' })?.toString()).toBe('data key');
});

test('a different context, secret, or any changed byte does not open', () => {
  const blob = sealBlob(material, Buffer.from('data key'), context);
  expect(openBlob(blob, material.secret, { ...context, field: 'ssn' })).toBeUndefined();
  expect(openBlob(blob, randomBytes(32), context)).toBeUndefined();
  for (let i = 0; i < blob.length; i++) {
    const changed = Buffer.from(blob);
    changed[i]! ^= 0x01;
    expect(openBlob(changed, material.secret, context)).toBeUndefined();
  }
});

test('the header is authenticated: a blob relabelled with another material id does not open', () => {
  const blob = sealBlob(material, Buffer.from('k'), context);
  const relabelled = Buffer.from(blob);
  relabelled.write('cd'.repeat(32), 4 + material.keyId.length, 'hex');
  expect(readBlobHeader(relabelled)?.keyMaterialId).toBe('cd'.repeat(32));
  expect(openBlob(relabelled, material.secret, context)).toBeUndefined();
});

test('foreign or truncated bytes are not read as a blob', () => {
  expect(readBlobHeader(Buffer.from('not a blob at all'))).toBeUndefined();
  expect(readBlobHeader(sealBlob(material, Buffer.from('k'), context).subarray(0, 40))).toBeUndefined();
});

test('the canonical context is unambiguous: moving a boundary between key and value changes it', () => {
  expect(canonicalEncryptionContext({ ab: 'c' })).not.toEqual(canonicalEncryptionContext({ a: 'bc' }));
  expect(canonicalEncryptionContext({ b: '2', a: '1' })).toEqual(canonicalEncryptionContext({ a: '1', b: '2' }));
  expect(canonicalEncryptionContext({})).toHaveLength(0);
});
