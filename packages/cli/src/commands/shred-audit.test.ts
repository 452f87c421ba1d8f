import type { KeyVersionInfo } from '@prisma-kms/field-crypto';
import { shredAuditLine, shredAuditRecord } from './shred-audit';

describe('shredAuditRecord', () => {
  const rows: KeyVersionInfo[] = [
    { keyStore: 'app', id: 7, keyName: 'default', version: 1, purpose: 'field', scope: 'acme', status: 'active', createdAt: new Date(0) },
    { keyStore: 'app', id: 9, keyName: 'default', version: 1, purpose: 'blind-index', scope: 'acme', status: 'retired', createdAt: new Date(0) },
  ];

  it('names store, scope, time, operator and every row destroyed, on one line', () => {
    const record = shredAuditRecord('app', 'acme', rows, new Date('2026-12-01T02:00:00Z'), 'ops');
    expect(record).toEqual({
      event: 'prisma-kms.keys.shred',
      time: '2026-12-01T02:00:00.000Z',
      keyStore: 'app',
      scope: 'acme',
      operator: 'ops',
      rows: [
        { id: 7, keyName: 'default', purpose: 'field', version: 1 },
        { id: 9, keyName: 'default', purpose: 'blind-index', version: 1 },
      ],
    });
    const line = shredAuditLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(record);
  });

  it('an unknown operator is null, and a scope with a quote or newline cannot break the line', () => {
    expect(shredAuditRecord('app', 'a"b', rows, new Date(0), undefined).operator).toBeNull();
    expect(shredAuditRecord('app', 'a', rows, new Date(0), '').operator).toBeNull();
    expect(JSON.parse(shredAuditLine(shredAuditRecord('app', 'a"b\u2028', rows, new Date(0), 'x'))).scope).toBe('a"b\u2028');
  });
});
