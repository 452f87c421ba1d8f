import type { FieldMap } from '../config/config-schema';
import { selectTargets } from './table-target';

const ref = (name: string, type = 'String', dbName = name) => ({ name, dbName, type, isRequired: true });
const fieldMap: FieldMap = {
  provider: 'postgresql',
  models: {
    User: { dbName: 'users', primaryKey: [ref('id', 'Int')], encrypted: { name: ref('name'), phone: ref('phone', 'String', 'phone_number') } },
    Tag: { dbName: 'Tag', primaryKey: [ref('id', 'Int')], encrypted: {} },
    AuditEntry: { dbName: 'audit_entries', primaryKey: [ref('tenant'), ref('seq', 'Int')], encrypted: { payload: ref('payload') } },
    Log: { dbName: 'logs', primaryKey: [], encrypted: { line: ref('line') } },
  },
};

describe('selectTargets', () => {
  it('skips models without encrypted fields and keeps column names and key order', () => {
    const targets = selectTargets(fieldMap, { models: ['User', 'Tag', 'AuditEntry'] });
    expect(targets.map((t) => t.model)).toEqual(['User', 'AuditEntry']);
    expect(targets[0]!.encrypted.map((c) => c.column)).toEqual(['name', 'phone_number']);
    expect(targets[1]!.primaryKey.map((c) => c.column)).toEqual(['tenant', 'seq']);
  });

  it('refuses a model with encrypted fields and no primary key, naming it', () => {
    expect(() => selectTargets(fieldMap)).toThrow(expect.objectContaining({ code: 'NO_PRIMARY_KEY', message: expect.stringContaining('"Log"') }));
  });

  it('narrows to named fields, plain or Model.field', () => {
    const targets = selectTargets(fieldMap, { models: ['User', 'AuditEntry'], fields: ['User.phone', 'payload'] });
    expect(targets.map((t) => [t.model, t.encrypted.map((c) => c.field)])).toEqual([['User', ['phone']], ['AuditEntry', ['payload']]]);
  });

  it('refuses unknown models and fields with a usage code', () => {
    expect(() => selectTargets(fieldMap, { models: ['Nope'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_SELECTION' }));
    expect(() => selectTargets(fieldMap, { fields: ['User.role'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_SELECTION' }));
  });
});
