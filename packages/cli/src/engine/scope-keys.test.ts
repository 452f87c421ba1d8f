import type { KeyVersionInfo } from '@prisma-kms/field-crypto';
import { scopeKeyIndex } from './scope-keys';
import { ScopeKeys } from './scoped-run';
import { scopedValueClassifier } from './value-state';

const createdAt = new Date('2026-12-01T00:00:00Z');
function row(id: number, scope: string, version: number, status: KeyVersionInfo['status'] = 'active', purpose: KeyVersionInfo['purpose'] = 'field'): KeyVersionInfo {
  return { keyStore: 'app', id, keyName: 'default', version, purpose, scope, status, createdAt };
}

const rows = [
  row(10, '', 1),
  row(20, 'acme', 1),
  row(21, 'acme', 2),
  row(22, 'acme', 3, 'retired'),
  row(23, 'acme', 1, 'active', 'blind-index'),
  row(30, 'gone', 1, 'shredded'),
  row(31, 'gone', 1, 'shredded', 'blind-index'),
];

describe('scopeKeyIndex', () => {
  it('current = newest active field version per scope; blind-index, retired and shredded versions are never current', () => {
    const keys = scopeKeyIndex(rows);
    expect(keys.currentId('')).toBe(10);
    expect(keys.currentId('acme')).toBe(21);
    expect(keys.currentId('gone')).toBeUndefined();
    expect(keys.currentId('new-tenant')).toBeUndefined();
    expect(keys.keyVersion(22)).toEqual({ scope: 'acme', status: 'retired', version: 3 });
    expect(keys.keyVersion(23)).toMatchObject({ scope: 'acme' });
    expect(keys.keyVersion(99)).toBeUndefined();
  });
});

describe('scopedValueClassifier', () => {
  // a stand-in for cipher.inspect: 'c:<id>' is a compact value, 'm' a standalone message, anything else plaintext
  const inspect = (value: string) => {
    if (value.startsWith('c:')) {
      const keyVersionId = Number(value.slice(2));
      return { kind: 'compact' as const, keyVersionId, wrappingKeys: [{ providerId: 'prisma-kms-key-store', keyId: String(keyVersionId) }] };
    }
    if (value === 'm') return { kind: 'ciphertext' as const, version: 2, suiteId: 0x0578, encryptionContext: {}, wrappingKeys: [{ providerId: 'k', keyId: 'k1' }] };
    return { kind: 'plaintext' as const };
  };
  const keys = scopeKeyIndex(rows);

  it('a row-scoped value is current only under its own scope\'s current version; any other key is moved (rotate)', () => {
    const classify = scopedValueClassifier(inspect, () => keys, 'move');
    expect(classify('c:21', 'acme')).toEqual({ kind: 'current' });
    expect(classify('c:20', 'acme')).toMatchObject({ kind: 'other-key' }); // older version of its scope
    expect(classify('c:10', 'acme')).toMatchObject({ kind: 'other-key' }); // the application's key
    expect(classify('c:21', 'other')).toMatchObject({ kind: 'other-key' }); // another scope's key: the row moved
    expect(classify('m', 'acme')).toMatchObject({ kind: 'other-key', wrappingKeys: ['k:k1'] }); // scoped values are compact
    expect(classify('c:99', 'acme')).toMatchObject({ kind: 'other-key' }); // unknown: rotate reports the cipher's typed error
    expect(classify('c:30', 'gone')).toEqual({ kind: 'shredded', scope: 'gone' });
    expect(classify('c:30', 'acme')).toEqual({ kind: 'shredded', scope: 'gone' }); // unreadable wherever it sits
    expect(classify('plain', 'acme')).toEqual({ kind: 'plaintext' });
    expect(classify(null, 'acme')).toEqual({ kind: 'null' });
  });

  it('request scope (--scope): values of other scopes belong to other requests and are left alone; application-key values are taken', () => {
    const classify = scopedValueClassifier(inspect, () => keys, 'leave');
    expect(classify('c:20', 'other')).toEqual({ kind: 'other-scope' });
    expect(classify('c:10', 'acme')).toMatchObject({ kind: 'other-key' });
    expect(classify('c:20', 'acme')).toMatchObject({ kind: 'other-key' });
  });
});

describe('ScopeKeys', () => {
  afterEach(() => jest.restoreAllMocks());

  it('re-reads the store for an unknown key-version id, at most once per interval, never for known ids', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    let reads = 0;
    let listing = rows;
    const keys = await ScopeKeys.load(async () => {
      reads++;
      return listing;
    });
    expect(reads).toBe(1);
    listing = [...rows, row(40, 'new-tenant', 1)];
    now += 5000;
    await keys.knowing([20, 21]);
    expect(reads).toBe(1); // all known
    await keys.knowing([20, 40]);
    expect(reads).toBe(2);
    expect(keys.current().currentId('new-tenant')).toBe(40);
    await keys.knowing([99]);
    expect(reads).toBe(2); // unknown, but read less than the interval ago
    now += 5000;
    await keys.knowing([99]);
    expect(reads).toBe(3);
  });
});
