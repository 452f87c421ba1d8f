import { formatMigration, formatStatus, formatVerify, toJson } from './format-results';

describe('result formatting', () => {
  it('status: one aligned line per field and the other keys by name', () => {
    const text = formatStatus({
      currentKey: 'aws-kms:arn:new',
      fields: [{ model: 'User', field: 'email', table: 'users', column: 'email', rows: 10, null: 1, plaintext: 2, current: 3, otherKeys: 4, malformed: 5, byWrappingKey: { 'aws-kms:arn:old': 4 } }],
    });
    expect(text).toContain('current generator key: aws-kms:arn:new');
    expect(text).toMatch(/User\s+email\s+10\s+1\s+2\s+3\s+4\s+5/);
    expect(text).toMatch(/other keys\s+malformed/);
    expect(text).toContain('User.email: 4 under aws-kms:arn:old');
  });

  it('migration and verify name failures by model, field and key, never by value', () => {
    const failure = { model: 'AuditEntry', field: 'payload', key: { tenant: 'acme', seq: 3 }, code: 'PRISMA_KMS_DECRYPTION_FAILED' };
    const migration = formatMigration(
      'rotate',
      [{ model: 'AuditEntry', table: 'audit_entries', fields: ['payload'], rowsScanned: 5, valuesPlanned: 5, rowsWritten: 4, rowsSkipped: 0, failureCount: 1, failures: [failure], resumed: true }],
      false,
    );
    expect(migration).toContain('5 values re-encrypted');
    expect(migration).toContain('(resumed from checkpoint)');
    expect(migration).toContain('AuditEntry.payload [tenant=acme, seq=3]: PRISMA_KMS_DECRYPTION_FAILED');
    expect(migration).toContain('run the command again');
    const verify = formatVerify([{ model: 'AuditEntry', table: 'audit_entries', rowsScanned: 5, valuesChecked: 5, failureCount: 1, failures: [failure] }]);
    expect(verify).toContain('FAILED: 1 values do not decrypt.');
  });

  it('names a malformed value with its reason and says a rerun will not repair it', () => {
    const failure = { model: 'User', field: 'email', key: { id: 7 }, code: 'MALFORMED', reason: 'truncated' };
    const text = formatMigration('encrypt', [{ model: 'User', table: 'users', fields: ['email'], rowsScanned: 1, valuesPlanned: 0, rowsWritten: 0, rowsSkipped: 0, failureCount: 1, failures: [failure], resumed: false }], false);
    expect(text).toContain('User.email [id=7]: MALFORMED (truncated)');
    expect(text).toContain('no rerun repairs them');
  });

  it('JSON keeps bigint keys as strings', () => {
    expect(JSON.parse(toJson({ key: { id: 2n ** 70n } }))).toEqual({ key: { id: '1180591620717411303424' } });
  });
});
