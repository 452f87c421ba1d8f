import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createBlindIndexer, INDEX_BYTES, type BlindIndexer } from './blind-indexer';
import { BlindIndexErrorReason } from './errors';
import { createIndexKey, indexKeyBytes, loadIndexKeys, type IndexKeySet } from './index-key';
import { parseIndexValue } from './index-value';
import { randomAesKeyring } from './__tests__/keyrings';

const keyring = randomAesKeyring();
const email = { model: 'User', field: 'email' };
const exact = { normalize: [] } as const;

let v1: string;
let v2: string;
let keys: IndexKeySet;
let indexer: BlindIndexer;

beforeAll(async () => {
  v1 = await createIndexKey(keyring, { version: 1 });
  v2 = await createIndexKey(keyring, { version: 2 });
  keys = await loadIndexKeys(keyring, [v1]);
  indexer = createBlindIndexer(keys);
});

/** RFC 5869 HKDF-SHA-256 written out with HMACs, independent of node's hkdfSync. */
function hkdfSha256(ikm: Buffer, info: Buffer): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  return createHmac('sha256', prk).update(Buffer.concat([info, Buffer.from([1])])).digest();
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
}

describe('createBlindIndexer', () => {
  test('the index is what docs/blind-indexes.md specifies: HMAC-SHA-256(HKDF(indexKey, label || model || field), value), base64url, version prefix', () => {
    const info = Buffer.concat([Buffer.from('prisma-kms blind index'), lengthPrefixed('User'), lengthPrefixed('email')]);
    const fieldKey = hkdfSha256(indexKeyBytes(keys, 1), info);
    const expected = createHmac('sha256', fieldKey).update('zoë@example.com', 'utf8').digest('base64url');
    expect(indexer.compute(email, 'zoë@example.com', exact)).toBe(`v1$${expected}`);
  });

  test('deterministic: the same value gives the same index, in this indexer and in another loaded from the same message', async () => {
    const other = createBlindIndexer(await loadIndexKeys(keyring, [v1]));
    const a = indexer.compute(email, 'a@example.com', exact);
    expect(indexer.compute(email, 'a@example.com', exact)).toBe(a);
    expect(other.compute(email, 'a@example.com', exact)).toBe(a);
    expect(indexer.compute(email, 'b@example.com', exact)).not.toBe(a);
  });

  test('another index key gives unrelated indexes for the same field and value', async () => {
    const other = createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
    expect(other.compute(email, 'a@example.com', exact)).not.toBe(indexer.compute(email, 'a@example.com', exact));
  });

  test('per-field separation: the same value in two fields or two models gives different indexes', () => {
    const value = '078-05-1120';
    const indexes = [
      indexer.compute({ model: 'User', field: 'email' }, value, exact),
      indexer.compute({ model: 'User', field: 'ssn' }, value, exact),
      indexer.compute({ model: 'Profile', field: 'email' }, value, exact),
    ];
    expect(new Set(indexes).size).toBe(3);
  });

  test('model and field are length-prefixed: ("ab", "c") and ("a", "bc") do not share a key', () => {
    expect(indexer.compute({ model: 'ab', field: 'c' }, 'x', exact)).not.toBe(indexer.compute({ model: 'a', field: 'bc' }, 'x', exact));
  });

  test('normalization: values equal after normalization share an index, and only then', () => {
    const options = { normalize: ['trim', 'lowercase', 'nfkc', 'diacritics'] } as const;
    const base = indexer.compute(email, 'zoe@example.com', options);
    for (const form of [' Zoë@Example.COM ', 'ＺＯＥ@example.com', 'zoe\u0308@example.com']) {
      expect(indexer.compute(email, form, options)).toBe(base);
    }
    expect(indexer.compute(email, ' Zoë@Example.COM ', exact)).not.toBe(indexer.compute(email, 'zoe@example.com', exact));
    expect(indexer.compute(email, 'ﬁ', { normalize: ['nfkc'] })).toBe(indexer.compute(email, 'fi', { normalize: ['nfkc'] }));
    expect(indexer.compute(email, 'é', { normalize: ['diacritics'] })).toBe(indexer.compute(email, 'e', { normalize: ['diacritics'] }));
  });

  test.each([8, 12, 16, 31, 32])('truncation: bytes %i stores exactly that many bytes of the full HMAC', (bytes) => {
    const stored = indexer.compute(email, 'a@example.com', { normalize: [], bytes });
    const full = indexer.compute(email, 'a@example.com', exact);
    const digest = Buffer.from(stored.slice(3), 'base64url');
    expect(digest).toHaveLength(bytes);
    expect(Buffer.from(full.slice(3), 'base64url').subarray(0, bytes).equals(digest)).toBe(true);
    expect(parseIndexValue(stored)).toEqual({ version: 1, bytes });
  });

  test('the default length is the full 32-byte HMAC', () => {
    expect(parseIndexValue(indexer.compute(email, 'x', exact))).toEqual({ version: 1, bytes: INDEX_BYTES.default });
    expect(INDEX_BYTES.default).toBe(32);
  });

  test('Precondition: bytes from 1 to 32, an integer', () => {
    expect(parseIndexValue(indexer.compute(email, 'x', { normalize: [], bytes: 1 }))).toEqual({ version: 1, bytes: 1 });
    for (const bytes of [33, 0, -1, 8.5, Number.NaN]) {
      expect(() => indexer.compute(email, 'x', { normalize: [], bytes })).toThrow(expect.objectContaining({ reason: BlindIndexErrorReason.INVALID_OPTIONS }));
    }
  });

  test('Precondition: known normalization steps only', () => {
    expect(() => indexer.compute(email, 'x', { normalize: ['uppercase' as never] })).toThrow(expect.objectContaining({ reason: BlindIndexErrorReason.INVALID_OPTIONS }));
  });

  test('Precondition: only strings are indexed, and the error names the field but not the value', () => {
    let error: unknown;
    try {
      indexer.compute(email, 12345 as unknown as string, exact);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ reason: BlindIndexErrorReason.INVALID_VALUE, model: 'User', field: 'email' });
    expect(String((error as Error).message)).not.toContain('12345');
  });

  test('the version prefix names the key: v1$ for version 1, v2$ after a rotation', async () => {
    expect(indexer.compute(email, 'x', exact)).toMatch(/^v1\$[A-Za-z0-9_-]{43}$/);
    const rotated = createBlindIndexer(await loadIndexKeys(keyring, [v1, v2]));
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.compute(email, 'x', exact)).toMatch(/^v2\$[A-Za-z0-9_-]{43}$/);
  });

  test('computeAll during a rotation: one index per version held, current first; old ones equal the old indexer', async () => {
    const rotated = createBlindIndexer(await loadIndexKeys(keyring, [v1, v2]));
    const all = rotated.computeAll(email, 'a@example.com', { normalize: ['lowercase'], bytes: 16 });
    expect(all).toHaveLength(2);
    expect(all[0]).toBe(rotated.compute(email, 'A@example.com', { normalize: ['lowercase'], bytes: 16 }));
    expect(all[1]).toBe(indexer.compute(email, 'a@example.com', { normalize: ['lowercase'], bytes: 16 }));
    expect(all.map((stored) => parseIndexValue(stored)?.version)).toEqual([2, 1]);
  });

  test('computeAll with one key is [compute]', () => {
    expect(indexer.computeAll(email, 'x', exact)).toEqual([indexer.compute(email, 'x', exact)]);
  });

  test('isCurrent: false for an older version or another length, true for a fresh index', async () => {
    const rotated = createBlindIndexer(await loadIndexKeys(keyring, [v1, v2]));
    const options = { normalize: [], bytes: 16 } as const;
    expect(rotated.isCurrent(rotated.compute(email, 'x', options), options)).toBe(true);
    expect(rotated.isCurrent(indexer.compute(email, 'x', options), options)).toBe(false);
    expect(rotated.isCurrent(rotated.compute(email, 'x', exact), options)).toBe(false);
    expect(rotated.isCurrent('not an index', options)).toBe(false);
  });

  test('no index equals an unkeyed SHA-256 of the plaintext (hex, base64 or base64url, whole or truncated)', () => {
    const values = ['a@example.com', '078-05-1120', '', '0', 'password'];
    for (const value of values) {
      for (const bytes of [8, 16, 32]) {
        for (const normalized of [value, value.toLowerCase()]) {
          const sha = createHash('sha256').update(normalized, 'utf8').digest().subarray(0, bytes);
          const unkeyed = [sha.toString('hex'), sha.toString('base64'), sha.toString('base64url')];
          const stored = indexer.compute(email, value, { normalize: ['lowercase'], bytes });
          const digest = stored.slice(stored.indexOf('$') + 1);
          for (const candidate of unkeyed) {
            expect(stored).not.toBe(candidate);
            expect(digest).not.toBe(candidate);
          }
          expect(Buffer.from(digest, 'base64url').equals(sha)).toBe(false);
        }
      }
    }
  });

  test('indexes spread evenly: 10,000 distinct values give 10,000 distinct 8-byte indexes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(indexer.compute(email, `user${i}@example.com`, { normalize: [], bytes: 8 }));
    expect(seen.size).toBe(10_000);
  });

  test('Precondition: a key set not made by loadIndexKeys is refused when the indexer is created', () => {
    expect(() => createBlindIndexer({ current: 1, versions: [1] })).toThrow(expect.objectContaining({ reason: BlindIndexErrorReason.INDEX_KEY_VERSIONS }));
  });

  test('a long string of arbitrary code points indexes like any other (no length or charset limit)', () => {
    const value = randomBytes(300).toString('latin1');
    expect(indexer.compute(email, value, exact)).toMatch(/^v1\$/);
  });
});

describe('parseIndexValue', () => {
  test('reads version and length; refuses other strings', () => {
    expect(parseIndexValue('v12$AAAAAAAAAAA')).toEqual({ version: 12, bytes: 8 });
    for (const bad of ['', 'v0$AAAA', 'v1$', 'v1AAAA', 'x1$AAAA', 'v1$AAAA=', 'v1$A', '3q2+7w==']) expect(parseIndexValue(bad)).toBeUndefined();
  });
});

describe('normalize: [identifier] through the indexer', () => {
  it('refuses a look-alike with a BlindIndexError naming model and field, and folds ASCII case', () => {
    const field = { model: 'User', field: 'email' };
    const options = { normalize: ['identifier'] as const, bytes: 16 };
    expect(indexer.compute(field, 'Kate@Corp.com', { ...options, normalize: [...options.normalize] })).toBe(
      indexer.compute(field, 'kate@corp.com', { ...options, normalize: [...options.normalize] }),
    );
    for (const run of [() => indexer.compute(field, '\u212Aate@corp.com', { normalize: ['identifier'] }), () => indexer.computeAll(field, 'kate@corp.com\u3000', { normalize: ['identifier'] })]) {
      expect(run).toThrow(expect.objectContaining({ reason: 'UNSAFE_IDENTIFIER', model: 'User', field: 'email' }));
    }
  });

  it('refuses identifier combined with other steps', () => {
    expect(() => indexer.compute({ model: 'User', field: 'email' }, 'a', { normalize: ['identifier', 'trim'] })).toThrow(
      expect.objectContaining({ reason: 'INVALID_OPTIONS' }),
    );
  });
});
