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

  it('status with a key store: values per scope and key version, shredded ones by scope, the wrong scope with its remedy', () => {
    const text = formatStatus({
      currentKey: 'prisma-kms-key-store:10',
      fields: [
        {
          model: 'TenantMember', field: 'email', table: 'tenant_members', column: 'email', rows: 6, null: 0, plaintext: 0, current: 3, otherKeys: 1, malformed: 0, byWrappingKey: {},
          scopes: {
            byScope: { '': 1, acme: 3, gone: 2 },
            byKeyVersion: { '10': { scope: '', version: 1, status: 'active', values: 1 }, '20': { scope: 'acme', version: 1, status: 'active', values: 3 }, '30': { scope: 'gone', version: 1, status: 'shredded', values: 2 } },
            shredded: 2,
            shreddedByScope: { gone: 2 },
            unknownKeyVersion: 0,
            wrongScope: 1,
          },
        },
      ],
    });
    expect(text).toContain('TenantMember.email: 1 under (application key)');
    expect(text).toContain('TenantMember.email: 3 under scope "acme"');
    expect(text).toContain('TenantMember.email: 2 under key version 30 (scope "gone", version 1, shredded)');
    expect(text).toContain('TenantMember.email: 2 values under shredded keys of scope "gone": unreadable for good');
    expect(text).toContain('TenantMember.email: 1 values in the wrong scope (their key is not their row\'s scope\'s): run rotate --scope-by');
    expect(text).not.toContain('key versions the key store does not have');
  });

  it('status of compact values: the current key with its key-store version, older versions by version', () => {
    const scopes = { byScope: { '': 5 }, byKeyVersion: { '7': { scope: '', version: 1, status: 'retired', values: 2 }, '9': { scope: '', version: 2, status: 'active', values: 3 } }, shredded: 0, shreddedByScope: {}, unknownKeyVersion: 0, wrongScope: 0 };
    const text = formatStatus({
      currentKey: 'prisma-kms-key-store:9',
      currentKeyVersion: 2,
      fields: [{ model: 'AuditEntry', field: 'payload', table: 'audit_entries', column: 'payload', rows: 5, null: 0, plaintext: 0, current: 3, otherKeys: 2, malformed: 0, byWrappingKey: { 'prisma-kms-key-store:7': 2 }, scopes }],
    });
    expect(text).toContain('current generator key: prisma-kms-key-store:9 (key store, version 2)');
    expect(text).toContain('AuditEntry.payload: 2 under prisma-kms-key-store:7 (key store version 1, retired)');
  });

  it('migration and verify name failures by model, field and key, never by value', () => {
    const failure = { model: 'AuditEntry', field: 'payload', key: { tenant: 'acme', seq: 3 }, code: 'PRISMA_KMS_DECRYPTION_FAILED' };
    const migration = formatMigration(
      'rotate',
      [{ model: 'AuditEntry', table: 'audit_entries', fields: ['payload'], rowsScanned: 5, valuesPlanned: 5, rowsWritten: 4, rowsSkipped: 0, retries: 0, failureCount: 1, failures: [failure], resumed: true, rescanned: false, remaining: { payload: 1 }, done: false }],
      false,
    );
    expect(migration).toContain('5 values re-encrypted');
    expect(migration).toContain('(resumed from checkpoint)');
    expect(migration).toContain('AuditEntry.payload [tenant=acme, seq=3]: PRISMA_KMS_DECRYPTION_FAILED');
    expect(migration).toContain('AuditEntry.payload: 1 values still under other keys (final check)');
    expect(migration).toContain('NOT DONE: 1 values are left');
    expect(migration).toContain('run the command again');
    const verify = formatVerify([{ model: 'AuditEntry', table: 'audit_entries', rowsScanned: 5, valuesChecked: 5, failureCount: 1, failures: [failure] }]);
    expect(verify).toContain('FAILED: 1 values do not decrypt.');
  });

  it('names a malformed value with its reason and says a rerun will not repair it', () => {
    const failure = { model: 'User', field: 'email', key: { id: 7 }, code: 'MALFORMED', reason: 'truncated' };
    const text = formatMigration('encrypt', [{ model: 'User', table: 'users', fields: ['email'], rowsScanned: 1, valuesPlanned: 0, rowsWritten: 0, rowsSkipped: 0, retries: 0, failureCount: 1, failures: [failure], resumed: false, rescanned: false, remaining: { email: 1 }, done: false }], false);
    expect(text).toContain('User.email [id=7]: MALFORMED (truncated)');
    expect(text).toContain('no rerun repairs them');
  });

  it('says DONE only when the final check found nothing left', () => {
    const result = { model: 'User', table: 'users', fields: ['email', 'name'], rowsScanned: 9, valuesPlanned: 9, rowsWritten: 9, rowsSkipped: 2, retries: 3, failureCount: 0, failures: [], resumed: true, rescanned: true };
    const done = formatMigration('decrypt', [{ ...result, remaining: { email: 0, name: 0 }, done: true }], false);
    expect(done).toContain('User.email: 0 values still encrypted (final check)');
    expect(done).toContain('resumed from a stale checkpoint, then rescanned from the start');
    expect(done).toContain('3 batch statements retried (transient database errors)');
    expect(done).toContain('DONE: no value of the selected fields is left to decrypt.');
    const left = formatMigration('decrypt', [{ ...result, remaining: { email: 0, name: 3 }, done: false }], false);
    expect(left).toContain('User.name: 3 values still encrypted (final check)');
    expect(left).toContain('NOT DONE: 3 values are left');
  });

  it('JSON keeps bigint keys as strings', () => {
    expect(JSON.parse(toJson({ key: { id: 2n ** 70n } }))).toEqual({ key: { id: '1180591620717411303424' } });
  });
});
