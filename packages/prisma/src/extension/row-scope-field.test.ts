import { buildScheme, type FieldMap } from '../field-map';
import { fieldsByName, scalar } from '../field-map/__tests__/builders';
import { collectReadTargets } from '../walker';
import { stripAddedFields } from './added-fields';
import { withRowScopeField } from './row-scope-field';

const name = scalar('name', 'String', { isRequired: false });
const tenantId = scalar('tenantId', 'String', { dbName: 'tenant_id' });
const fieldMap: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    TenantMember: {
      dbName: 'tenant_members',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int', { isUnique: true }), tenantId, name),
      encrypted: fieldsByName(name),
      relations: {},
      uniques: { id: ['id'] },
      scope: { source: 'field', field: 'tenantId', dbName: 'tenant_id', type: 'String' },
    },
  },
};
const scheme = buildScheme(fieldMap);

describe('the row scope field of a read', () => {
  it('is added to a top-level select of an encrypted field, and taken out of an omit', () => {
    expect(withRowScopeField(scheme, 'TenantMember', 'findMany', { select: { name: true } })).toEqual({ args: { select: { name: true, tenantId: true } }, added: ['tenantId'] });
    expect(withRowScopeField(scheme, 'TenantMember', 'update', { where: { id: 1 }, data: {}, omit: { tenantId: true } })).toEqual({ args: { where: { id: 1 }, data: {}, omit: {} }, added: ['tenantId'] });
  });

  it('is left alone when already selected, when no encrypted field is read, without a selection, and for count', () => {
    expect(withRowScopeField(scheme, 'TenantMember', 'findMany', { select: { name: true, tenantId: true } })).toBeUndefined();
    expect(withRowScopeField(scheme, 'TenantMember', 'findMany', { select: { id: true } })).toBeUndefined();
    expect(withRowScopeField(scheme, 'TenantMember', 'findMany', { omit: { tenantId: true, name: true } })).toBeUndefined();
    expect(withRowScopeField(scheme, 'TenantMember', 'findMany', {})).toBeUndefined();
    expect(withRowScopeField(scheme, 'TenantMember', 'count', { select: { name: true } })).toBeUndefined();
  });

  it('gives each read target its row scope (or the problem with it), and is stripped from every row', () => {
    const rows = [{ tenantId: 'acme', name: 'a' }, { tenantId: '', name: 'b' }, { name: 'c' }];
    expect(collectReadTargets(scheme, 'TenantMember', 'findMany', {}, rows).map((t) => t.rowScope)).toEqual([
      { scope: 'acme' },
      { problem: expect.stringContaining('must not be empty') },
      undefined,
    ]);
    stripAddedFields(rows, ['tenantId']);
    expect(rows).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  });
});
