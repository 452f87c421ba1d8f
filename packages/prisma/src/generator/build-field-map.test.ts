import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DMMF } from '@prisma/generator-helper';
import { buildScheme } from '../field-map';
import { buildFieldMap } from './build-field-map';
import { EncryptedSchemaError, isEncryptedSchemaError } from './errors';
import type { SchemaProblem } from './errors';
import { CAPTURE_GENERATOR, assertPrismaCliUsable, cleanup, expectGenerated, makeTempDir, prismaGenerate } from './__tests__/prisma-cli';

// One real `prisma generate` captures the DMMF of every case; the builder is then tested on it.
let datamodel: DMMF.Datamodel;
let dir: string;
const WELL_FORMED = ['Customer', 'Order', 'Plain'];

beforeAll(() => {
  assertPrismaCliUsable();
  dir = makeTempDir('dmmf');
  const schema = readFileSync(join(__dirname, '__tests__', 'dmmf-cases.prisma'), 'utf8').replace('CAPTURE_GENERATOR', CAPTURE_GENERATOR);
  expectGenerated(prismaGenerate(dir, schema));
  datamodel = (JSON.parse(readFileSync(join(dir, 'dmmf', 'dmmf.json'), 'utf8')) as { datamodel: DMMF.Datamodel }).datamodel;
}, 60_000);

afterAll(() => cleanup(dir));

function only(names: readonly string[]): DMMF.Datamodel {
  return { ...datamodel, models: datamodel.models.filter((m) => names.includes(m.name)) };
}

function problemsOf(models: readonly string[]): SchemaProblem[] {
  try {
    buildFieldMap(only(models), 'postgresql');
  } catch (error) {
    if (isEncryptedSchemaError(error)) return [...error.problems];
    throw error;
  }
  return [];
}

describe('buildFieldMap on well-formed models', () => {
  it('maps tables, columns, keys, uniques, relations and encrypted fields', () => {
    const map = buildFieldMap(only(WELL_FORMED), 'postgresql');
    expect(map.version).toBe(1);
    expect(map.provider).toBe('postgresql');
    expect(Object.keys(map.models)).toEqual(WELL_FORMED);

    const customer = map.models.Customer;
    expect(customer?.dbName).toBe('customers');
    expect(customer?.primaryKey).toEqual([{ name: 'id', dbName: 'id', type: 'Int', isRequired: true, isUnique: true }]);
    expect(customer?.fields.email).toEqual({ name: 'email', dbName: 'email_address', type: 'String', isRequired: true, isUnique: false });
    expect(customer?.fields.role).toEqual({ name: 'role', dbName: 'role', type: 'Role', isRequired: true, isUnique: false });
    expect(Object.keys(customer?.fields ?? {})).toEqual(['id', 'name', 'email', 'emailHash', 'phone', 'phoneHash', 'role', 'tenant', 'seq']);
    expect(customer?.relations).toEqual({ orders: { model: 'Order', isList: true } });
    expect(customer?.uniques).toEqual({
      id: ['id'],
      emailHash: ['emailHash'],
      tenantSeq: ['tenant', 'seq'],
      tenant_phoneHash: ['tenant', 'phoneHash'],
    });
    expect(customer?.encrypted).toEqual({
      name: { name: 'name', dbName: 'name', type: 'String', isRequired: true, isUnique: false },
      email: {
        name: 'email', dbName: 'email_address', type: 'String', isRequired: true, isUnique: false,
        // Canonical order, not the order written: [trim, lowercase, nfkc].
        hash: { field: 'emailHash', dbName: 'email_hash', normalize: ['nfkc', 'lowercase', 'trim'], bytes: 16, unique: true },
      },
      phone: {
        name: 'phone', dbName: 'phone', type: 'String', isRequired: false, isUnique: false,
        // In a compound unique only: not unique alone, so not usable by findUnique on its own.
        hash: { field: 'phoneHash', dbName: 'phoneHash', normalize: [], bytes: 32, unique: false },
      },
    });

    const order = map.models.Order;
    expect(order?.primaryKey.map((f) => f.name)).toEqual(['region', 'number']);
    expect(order?.uniques).toEqual({ region_number: ['region', 'number'] });
    expect(order?.relations).toEqual({ customer: { model: 'Customer', isList: false } });
    expect(order?.encrypted.note?.isRequired).toBe(false);

    // Every model is in the map, with or without encrypted fields.
    expect(map.models.Plain).toEqual({
      dbName: 'Plain',
      primaryKey: [{ name: 'id', dbName: 'id', type: 'String', isRequired: true, isUnique: true }],
      fields: {
        id: { name: 'id', dbName: 'id', type: 'String', isRequired: true, isUnique: true },
        label: { name: 'label', dbName: 'label', type: 'String', isRequired: true, isUnique: true },
      },
      encrypted: {},
      relations: {},
      uniques: { id: ['id'], label: ['label'] },
    });
  });

  it('produces a map that buildScheme accepts', () => {
    const scheme = buildScheme(buildFieldMap(only(WELL_FORMED), 'postgresql'));
    expect([...scheme.model('Customer').encryptedFields]).toEqual(['name', 'email', 'phone']);
    expect(scheme.model('Customer').blindIndexesByIndexField.get('email_hash')).toBeUndefined();
    expect(scheme.model('Customer').blindIndexesByIndexField.get('emailHash')?.encryptedField).toBe('email');
    expect(scheme.model('Plain').reachesEncryptedFields).toBe(false);
  });
});

describe('key scopes', () => {
  it('records the scope field (with its column and type) or the request as the model\'s scope', () => {
    const map = buildFieldMap(only(['ScopedByField', 'ScopedByInt', 'ScopedByRequest']), 'postgresql');
    expect(map.models.ScopedByField?.scope).toEqual({ source: 'field', field: 'tenantId', dbName: 'tenant_id', type: 'String' });
    expect(map.models.ScopedByField?.encrypted.email?.hash).toMatchObject({ field: 'emailHash', normalize: ['identifier'] });
    expect(map.models.ScopedByInt?.scope).toEqual({ source: 'field', field: 'orgId', dbName: 'orgId', type: 'BigInt' });
    expect(map.models.ScopedByRequest?.scope).toEqual({ source: 'request' });
    expect(buildScheme(map).model('ScopedByRequest').scope).toEqual({ source: 'request' });
  });

  it('leaves models without scoped fields without a scope key', () => {
    expect('scope' in (buildFieldMap(only(WELL_FORMED), 'postgresql').models.Customer ?? {})).toBe(false);
  });
});

describe('blind index length', () => {
  it('accepts a one-byte index on a non-unique column', () => {
    expect(buildFieldMap(only(['HashShortNotUnique']), 'postgresql').models.HashShortNotUnique?.encrypted.a?.hash).toMatchObject({ bytes: 1, unique: false });
  });
});

describe('buildFieldMap refuses', () => {
  // [model, field, code, text the message must contain, text the fix must contain]
  const cases: [string, string | undefined, string, string, string][] = [
    ['BadInt', 'age', 'UNSUPPORTED_FIELD_TYPE', 'type Int;', 'store the value in a String field'],
    ['BadList', 'tags', 'UNSUPPORTED_FIELD_TYPE', 'type String[]', 'Remove `@encrypted`'],
    ['BadJson', 'data', 'UNSUPPORTED_FIELD_TYPE', 'type Json', 'JSON.stringify'],
    ['BadBytes', 'blob', 'UNSUPPORTED_FIELD_TYPE', 'type Bytes', 'Remove `@encrypted`'],
    ['BadEnum', 'role', 'UNSUPPORTED_FIELD_TYPE', 'type Role (an enum)', 'Remove `@encrypted`'],
    ['BadRelation', 'target', 'UNSUPPORTED_FIELD_TYPE', 'BadRelationTarget (a relation)', 'Remove `@encrypted`'],
    ['BadDefault', 'state', 'ENCRYPTED_FIELD_DEFAULT', 'stored in plaintext', 'Remove the @default'],
    ['BadPk', 'code', 'ENCRYPTED_FIELD_IN_PRIMARY_KEY', 'part of the primary key', '`/// @encrypted(hash: codeHash)` with `codeHash String? @unique`'],
    ['BadCompoundPk', 'a', 'ENCRYPTED_FIELD_IN_PRIMARY_KEY', 'part of the primary key', 'blind index'],
    ['BadUnique', 'mail', 'ENCRYPTED_FIELD_UNIQUE', '@unique or @@unique', '`/// @encrypted(hash: mailHash)` with `mailHash String? @unique`'],
    ['BadCompoundUnique', 'a', 'ENCRYPTED_FIELD_UNIQUE', 'ciphertext is random', 'blind index'],
    ['BadIndex', 'a', 'ENCRYPTED_FIELD_INDEXED', '@@index', 'blind index'],
    ['BadForeignKey', 'ownerCode', 'ENCRYPTED_FIELD_IN_RELATION', 'foreign key', 'relate the models through another field'],
    ['HashMissing', 'a', 'HASH_FIELD_MISSING', '`hash: nope` names a field the model does not have', 'Add `nope String? @unique`'],
    ['HashNotString', 'a', 'HASH_FIELD_NOT_STRING', 'type Int?', 'Declare it as `count String? @unique`'],
    ['HashList', 'a', 'HASH_FIELD_NOT_STRING', 'type String[]', 'Declare it as `hs String? @unique`'],
    ['HashSelf', 'secret', 'HASH_FIELD_IS_SELF', 'the encrypted field itself', 'Add `secretHash String? @unique` and write `hash: secretHash`'],
    ['HashEncrypted', 'a', 'HASH_FIELD_ENCRYPTED', 'itself @encrypted', 'Remove `@encrypted` from `b`'],
    ['HashShared', 'b', 'HASH_FIELD_SHARED', 'already the index of `a`', '`bHash String?`'],
    ['HashRequired', 'a', 'HASH_FIELD_REQUIRED', '`h` is required but `a` is optional', '`h String?`'],
    ['HashUniqueTooShort', 'a', 'HASH_BYTES_TOO_SHORT_FOR_UNIQUE', '`h` is @unique but `hashBytes: 8`', '`hashBytes: 16` or more'],
    ['BadModelDoc', undefined, 'ANNOTATION_ON_MODEL', 'applies to fields, not models', 'onto each String field'],
    ['BadSyntax', 'a', 'ANNOTATION_SYNTAX', '":" after `hash`', 'Follow the form'],
    ['ScopeDisagrees', 'b', 'SCOPE_DISAGREES', '`a` names `scope: t` but `b` names `scope: u`', 'Write `scope: t` in every `@encrypted`'],
    ['ScopePartial', 'b', 'SCOPE_DISAGREES', '`b` names no scope', 'Write `scope: t` in every `@encrypted`'],
    ['ScopeMissing', 'a', 'SCOPE_FIELD_MISSING', '`scope: tenant` names a field the model does not have', 'required String, Int or BigInt field'],
    ['ScopeBadType', 'a', 'SCOPE_FIELD_TYPE', 'type DateTime', 'required String, Int or BigInt field'],
    ['ScopeOptional', 'a', 'SCOPE_FIELD_OPTIONAL', 'names an optional field', 'Make it required: `t String`'],
    ['ScopeEncrypted', 'a', 'SCOPE_FIELD_ENCRYPTED', 'itself @encrypted', 'neither encrypted nor a blind index'],
    ['ScopeIsIndex', 'a', 'SCOPE_FIELD_IS_BLIND_INDEX', 'the blind index of `a`', 'neither encrypted nor a blind index'],
    ['ScopeRequestAmbiguous', 'a', 'SCOPE_REQUEST_AMBIGUOUS', 'also has a field named `request`', 'Rename the field `request`'],
  ];

  it.each(cases)('%s.%s with %s', (model, field, code, inMessage, inFix) => {
    const problems = problemsOf([model, ...(model === 'BadRelation' ? ['BadRelationTarget'] : []), ...(model === 'BadForeignKey' ? ['BadFkOwner'] : [])]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ model, code, ...(field === undefined ? {} : { field }) });
    expect(problems[0]?.message).toContain(inMessage);
    expect(problems[0]?.fix).toContain(inFix);
  });

  it('reports every problem of the schema at once, each naming model, field, cause and fix', () => {
    const error = (() => {
      try {
        buildFieldMap(datamodel, 'postgresql');
      } catch (e) {
        return e;
      }
      throw new Error('buildFieldMap accepted the schema');
    })();
    expect(error).toBeInstanceOf(EncryptedSchemaError);
    const schemaError = error as EncryptedSchemaError;
    expect(schemaError.code).toBe('INVALID_ENCRYPTED_SCHEMA');
    expect(schemaError.problems.map((p) => [p.model, p.field, p.code]).sort()).toEqual(cases.map(([m, f, c]) => [m, f, c]).sort());
    expect(schemaError.message.startsWith(`prisma-kms-generator: ${cases.length} problems with /// @encrypted annotations:`)).toBe(true);
    expect(schemaError.message).toContain('  - BadInt.age: `@encrypted` is on a field of type Int;');
    expect(schemaError.message).toContain('    Fix: Remove the @default and set the value in application code. [ENCRYPTED_FIELD_DEFAULT]');
    expect(schemaError.message).toContain('  - model BadModelDoc: ');
  });
});
