import { planBatch, buildBatchWrite, SCOPE_MISSING_FAILURE, type ReadRow } from './plan-batch';
import { scopingFor, selectRunnable, type MigrationScopes } from './scoped-run';
import type { TableTarget } from './table-target';
import type { ValueState } from './value-state';

const ref = (field: string, column = field) => ({ field, column, type: 'String' });
const member: TableTarget = {
  model: 'TenantMember',
  table: 'tenant_members',
  primaryKey: [{ field: 'id', column: 'id', type: 'Int' }],
  encrypted: [{ ...ref('email'), blindIndex: { column: 'email_hash', normalize: ['identifier'] } }, ref('name')],
  scope: { source: 'field', field: 'tenantId', column: 'tenant_id', type: 'String' },
};
const journal: TableTarget = { model: 'Journal', table: 'Journal', primaryKey: member.primaryKey, encrypted: [ref('entry')], scope: { source: 'request' } };
const user: TableTarget = { model: 'User', table: 'users', primaryKey: member.primaryKey, encrypted: [ref('name')] };
const scopes: MigrationScopes = { readKeys: async () => [], blindIndexer: () => ({ compute: () => 'h', isCurrent: () => true, currentVersion: 1 }) };

describe('scopingFor', () => {
  it('a field-scoped model takes each row\'s scope from its column and guards it; decrypt needs no scope', () => {
    expect(scopingFor(member, 'rotate', scopes, undefined)).toEqual({
      rowScope: { column: 'tenant_id' },
      foreign: 'move',
      scopeColumn: 'tenant_id',
      checkpointLabel: 'scope-by:tenantId',
    });
    expect(scopingFor(member, 'decrypt', undefined, undefined)).toBeUndefined();
    expect(scopingFor(user, 'rotate', undefined, undefined)).toBeUndefined();
  });

  it('refuses what would write under a wrong key: no key store, no per-scope indexer, a request scope without --scope, another --scope-by field, reindex', () => {
    expect(() => scopingFor(member, 'encrypt', undefined, undefined)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => scopingFor(member, 'encrypt', { readKeys: scopes.readKeys }, undefined)).toThrow(/blind index on a scoped model/);
    expect(() => scopingFor(journal, 'rotate', scopes, undefined)).toThrow(/give --scope <id>/);
    expect(scopingFor(journal, 'rotate', { ...scopes, requestScope: 'j1' }, undefined)).toMatchObject({ rowScope: { fixed: 'j1' }, foreign: 'leave' });
    expect(() => scopingFor(member, 'rotate', scopes, 'email')).toThrow(/@encrypted\(scope: tenantId\)/);
    expect(() => scopingFor(user, 'rotate', scopes, 'tenantId')).toThrow(/no @encrypted\(scope/);
    expect(() => scopingFor(member, 'reindex', scopes, undefined)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('selectRunnable: --scope-by selects its models; unnamed models the run cannot take are skipped with the reason, named ones refused', () => {
    expect(selectRunnable([user, member, journal], 'rotate', scopes, 'tenantId', false)).toEqual({ run: [member], skipped: [] });
    const all = selectRunnable([user, member, journal], 'rotate', scopes, undefined, false);
    expect(all.run).toEqual([user, member]);
    expect(all.skipped).toEqual([{ model: 'Journal', reason: expect.stringContaining('--scope <id>') }]);
    // named with --model: kept, so runMigration's scopingFor refuses it with the reason (status 2)
    expect(selectRunnable([journal], 'rotate', scopes, undefined, true)).toEqual({ run: [journal], skipped: [] });
    expect(() => selectRunnable([user], 'rotate', scopes, 'tenantId', false)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SELECTION' }));
  });
});

describe('scoped batches', () => {
  const classify = (value: string | null, scope?: string): ValueState =>
    value === null ? { kind: 'null' } : value.startsWith(`${scope}:`) ? { kind: 'current' } : { kind: 'other-key', wrappingKeys: ['k'] };
  const rows: ReadRow[] = [
    { key: [1], values: ['a:x', 'b:y'], scope: 'a' },
    { key: [2], values: ['a:z', null], scope: null },
  ];

  it('plans each value under its row\'s scope; a row whose scope column is NULL is refused, never encrypted under a guessed key', () => {
    const plan = planBatch('rotate', rows, classify);
    expect(plan.work).toEqual([{ row: 0, column: 1, action: 'reencrypt', value: 'b:y', scope: 'a' }]);
    expect(plan.refused).toEqual([{ row: 1, column: 0, code: SCOPE_MISSING_FAILURE }]);
    expect(planBatch('decrypt', rows, classify).refused).toEqual([]); // decrypting needs no scope
  });

  it('guards the scope column with the scope read and rewrites a moved value\'s blind index under its scope', () => {
    const work = [{ row: 0, column: 0, action: 'reencrypt' as const, value: 'b:x', scope: 'a' }];
    const write = buildBatchWrite(member, rows, work, [{ ok: true, value: 'a:new', plaintext: 'x@example.com' }], (c, plaintext, scope) => `${scope}|${plaintext}`, {
      scopeColumn: 'tenant_id',
      reindexReencrypted: true,
    });
    expect(write.columns).toEqual([
      { column: 'email', guarded: true },
      { column: 'email_hash', guarded: false },
      { column: 'tenant_id', guarded: true, written: false, asText: true },
    ]);
    expect(write.rows).toEqual([{ key: [1], changes: [{ next: 'a:new', previous: 'b:x' }, { next: 'a|x@example.com' }, { previous: 'a' }] }]);
  });
});
