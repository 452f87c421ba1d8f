import type { FieldStatus } from './collect-status';
import { formatIndexKeyStatus, wrappingKeysInUse } from './index-key-status';

function field(current: number, byWrappingKey: Record<string, number>): FieldStatus {
  const otherKeys = Object.values(byWrappingKey).reduce((a, b) => a + b, 0);
  return { model: 'User', field: 'email', table: 'users', column: 'email', rows: current + otherKeys, null: 0, plaintext: 0, current, otherKeys, malformed: 0, byWrappingKey };
}

describe('wrappingKeysInUse', () => {
  it('counts values under the current key, under other keys (each key of a multi-wrapped value), and index keys', () => {
    const report = { currentKey: 'aws-kms:new', fields: [field(5, { 'aws-kms:old': 2 }), field(1, { 'aws-kms:old + aws-kms:backup': 3 })] };
    const indexKeys = { file: '/x/index-keys', keys: [{ version: 1, wrappingKeys: ['aws-kms:old'] }, { version: 2, wrappingKeys: ['aws-kms:new'] }] };
    expect(wrappingKeysInUse(report, indexKeys)).toEqual([
      { key: 'aws-kms:backup', values: 3, indexKeys: 0 },
      { key: 'aws-kms:new', values: 6, indexKeys: 1 },
      { key: 'aws-kms:old', values: 5, indexKeys: 1 },
    ]);
  });

  it('a key that wraps nothing is not listed', () => {
    expect(wrappingKeysInUse({ currentKey: 'aws-kms:new', fields: [field(0, {})] }, undefined)).toEqual([]);
  });
});

describe('formatIndexKeyStatus', () => {
  it('lists each index key message by version and every key in use', () => {
    const text = formatIndexKeyStatus({ file: '/x/index-keys', keys: [{ version: 1, wrappingKeys: ['aws-kms:a', 'aws-kms:b'] }] }, [
      { key: 'aws-kms:a', values: 2, indexKeys: 1 },
    ]);
    expect(text).toBe('index keys (/x/index-keys):\n  version 1 under aws-kms:a + aws-kms:b\nwrapping keys in use:\n  aws-kms:a: 2 values, 1 index keys\n');
  });
});
