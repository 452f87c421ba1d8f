/**
 * The IV pool hands out every random byte once: across refills no IV repeats, and no IV overlaps
 * another (a position that moved by less than 12 bytes would give distinct but shifted IVs).
 */
import { randomBytes } from 'node:crypto';
import { COMPACT_HEADER_BYTES, COMPACT_IV_BYTES } from './compact-layout';
import { decodeCompact, encodeCompact } from './compact-codec';
import { IVS_PER_FILL, writeRandomIv } from './random-iv';

/** Every 6-byte window of `ivs` (48 random bits each: a chance repeat among these 18,000 is about 1 in 2 million). */
function windows(ivs: readonly Buffer[]): string[] {
  return ivs.flatMap((iv) => Array.from({ length: COMPACT_IV_BYTES - 5 }, (_, at) => iv.subarray(at, at + 6).toString('hex')));
}

test('no IV repeats or overlaps another, across two refills of the pool', () => {
  const key = randomBytes(32);
  const count = 2 * IVS_PER_FILL + 500;
  const ivs = Array.from({ length: count }, () => encodeCompact(key, 1, Buffer.from('Ada')).subarray(COMPACT_HEADER_BYTES, COMPACT_HEADER_BYTES + COMPACT_IV_BYTES));
  expect(new Set(ivs.map((iv) => iv.toString('hex'))).size).toBe(count);
  const all = windows(ivs);
  expect(new Set(all).size).toBe(all.length);
});

test('an IV is written at the offset given and nowhere else', () => {
  const target = Buffer.alloc(30, 0xaa);
  writeRandomIv(target, 7);
  expect(target.subarray(0, 7).every((b) => b === 0xaa)).toBe(true);
  expect(target.subarray(7 + COMPACT_IV_BYTES).every((b) => b === 0xaa)).toBe(true);
  expect(target.subarray(7, 7 + COMPACT_IV_BYTES).equals(Buffer.alloc(COMPACT_IV_BYTES, 0xaa))).toBe(false);
});

test('values written with pooled IVs still decrypt, and their IV is what authenticates them', () => {
  const key = randomBytes(32);
  const bytes = encodeCompact(key, 1, Buffer.from('Ada Byron'));
  expect(decodeCompact(key, bytes)?.toString('utf8')).toBe('Ada Byron');
  bytes[COMPACT_HEADER_BYTES]! ^= 1;
  expect(decodeCompact(key, bytes)).toBeUndefined();
});
