/**
 * docs/format.md's worked example, read from the document itself: an independent implementation of
 * the text (node:crypto only) produces the stored value, and the codec decrypts it.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyCompactValue, decodeCompact, decodeCompactBase64, deriveCompactFieldKey, fieldKeyInfo } from './index';

const doc = readFileSync(join(__dirname, '../../../../docs/format.md'), 'utf8');
const block = /## Worked example[\s\S]*?```text\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
const vector = Object.fromEntries(block.trim().split('\n').map((line) => [line.slice(0, 17).trim(), line.slice(17).trim()]));
const [contextKey = '', contextValue = ''] = (vector['static context'] ?? '').split('=');
const field = { model: vector['model'] ?? '', field: vector['field'] ?? '' };
const staticContext = { [contextKey]: contextValue };
const versionKey = Buffer.from(vector['version key'] ?? '', 'hex');

test('the document holds the whole vector', () => {
  expect(Object.keys(vector)).toEqual(['version key', 'key-version id', 'model', 'field', 'static context', 'plaintext', 'info', 'field key', 'iv', 'stored']);
});

test('following the text with node:crypto alone gives the stored value', () => {
  const lp = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const info = Buffer.concat([Buffer.from('prisma-kms compact v1 field key'), lp(field.model), lp(field.field), Buffer.from([0, 1]), lp(contextKey), lp(contextValue)]);
  expect(info.toString('hex')).toBe(vector['info']);
  const fieldKey = Buffer.from(hkdfSync('sha256', versionKey, Buffer.alloc(0), info, 32));
  expect(fieldKey.toString('hex')).toBe(vector['field key']);
  const header = Buffer.alloc(5);
  header[0] = 0xfc;
  header.writeUInt32BE(Number(vector['key-version id']), 1);
  const iv = Buffer.from(vector['iv'] ?? '', 'hex');
  const cipher = createCipheriv('aes-256-gcm', fieldKey, iv).setAAD(header);
  const body = Buffer.concat([cipher.update(vector['plaintext'] ?? '', 'utf8'), cipher.final()]);
  expect(Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64')).toBe(vector['stored']);
});

test('the codec derives the same info and key and decrypts the stored value', () => {
  const info = fieldKeyInfo(field, staticContext)!;
  expect(info.toString('hex')).toBe(vector['info']);
  const fieldKey = deriveCompactFieldKey(versionKey, info);
  const value = classifyCompactValue(vector['stored'] ?? '');
  expect(value.kind === 'compact' && value.keyVersionId).toBe(Number(vector['key-version id']));
  if (value.kind !== 'compact') return;
  expect(decodeCompactBase64(fieldKey, value.base64)?.toString('utf8')).toBe(vector['plaintext']);
  expect(decodeCompact(fieldKey, Buffer.from(value.base64, 'base64'))?.toString('utf8')).toBe(vector['plaintext']);
});
