import type { KeyVersionInfo } from '@prisma-kms/field-crypto';
import { currentIds, currentVersion, formatKeyVersions, planCreate, versionsOf, versionToRetire, type KeySelection } from './key-version-rules';

const KEY: KeySelection = { keyName: 'default', purpose: 'field', scope: '' };
const createdAt = new Date('2026-11-30T12:00:00.000Z');

function version(id: number, v: number, status: KeyVersionInfo['status'], other: Partial<KeyVersionInfo> = {}): KeyVersionInfo {
  return { keyStore: 'app', id, keyName: 'default', version: v, purpose: 'field', scope: '', status, createdAt, ...other };
}

describe('key version rules', () => {
  const store = [
    version(30, 3, 'retired'),
    version(10, 1, 'active'),
    version(20, 2, 'active'),
    version(99, 1, 'active', { purpose: 'blind-index' }),
  ];

  it('the current version is the active one with the highest version, per key', () => {
    const mine = versionsOf(store, KEY);
    expect(mine.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(currentVersion(mine)?.id).toBe(20);
    expect(currentVersion([version(30, 3, 'retired')])).toBeUndefined();
    expect([...currentIds(store)].sort()).toEqual([20, 99]);
  });

  it('create: first when the key has no version, refused while one is active unless forced, next when all are retired', () => {
    expect(planCreate([], KEY, false)).toBe('first');
    expect(() => planCreate(versionsOf(store, KEY), KEY, false)).toThrow(expect.objectContaining({ code: 'KEY_STORE_REFUSED' }));
    expect(planCreate(versionsOf(store, KEY), KEY, true)).toBe('next');
    expect(planCreate([version(30, 3, 'retired')], KEY, false)).toBe('next');
  });

  it('retire: refuses the current version and an unknown one, naming the versions there are', () => {
    const mine = versionsOf(store, KEY);
    expect(versionToRetire(mine, KEY, 1).id).toBe(10);
    expect(versionToRetire(mine, KEY, 3).id).toBe(30);
    expect(() => versionToRetire(mine, KEY, 2)).toThrow(/version 2 .* is the active one/);
    expect(() => versionToRetire(mine, KEY, 4)).toThrow('has no version 4 (versions: 1, 2, 3)');
  });

  it('list: one aligned line per version, the current one marked; a hint when the store is empty', () => {
    const text = formatKeyVersions(versionsOf(store, KEY));
    expect(text.split('\n')).toEqual([
      'key      purpose  scope  version  id  status            created',
      'default  field    -      1        10  active            2026-11-30T12:00:00.000Z',
      'default  field    -      2        20  active (current)  2026-11-30T12:00:00.000Z',
      'default  field    -      3        30  retired           2026-11-30T12:00:00.000Z',
      '',
    ]);
    expect(formatKeyVersions([])).toContain('prisma-kms keys create');
  });
});
