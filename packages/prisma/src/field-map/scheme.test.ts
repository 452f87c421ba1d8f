import { buildScheme, FieldMapError, isFieldMapError, parseFieldMap } from './index';
import type { FieldMap, FieldMapErrorCode } from './index';

const ref = (name: string, type = 'String', isRequired = true, dbName = name) => ({ name, dbName, type, isRequired, isUnique: false });

/** A small map of the shape the generator emits: User -> Post -> Comment, Tag -> Post, Island alone. */
function sampleMap(): FieldMap {
  return {
    version: 1,
    provider: 'postgresql',
    models: {
      User: {
        dbName: 'users',
        primaryKey: [{ ...ref('id', 'Int'), isUnique: true }],
        fields: { id: { ...ref('id', 'Int'), isUnique: true }, email: ref('email'), emailHash: { ...ref('emailHash', 'String', false, 'email_hash'), isUnique: true } },
        encrypted: { email: { ...ref('email'), hash: { field: 'emailHash', dbName: 'email_hash', normalize: ['trim', 'nfkc'], bytes: 32, unique: true } } },
        relations: { posts: { model: 'Post', isList: true } },
        uniques: { id: ['id'], emailHash: ['emailHash'] },
      },
      Post: {
        dbName: 'Post',
        primaryKey: [{ ...ref('id'), isUnique: true }],
        fields: { id: { ...ref('id'), isUnique: true }, title: ref('title'), authorId: ref('authorId', 'Int') },
        encrypted: {},
        relations: { author: { model: 'User', isList: false }, comments: { model: 'Comment', isList: true }, tags: { model: 'Tag', isList: true } },
        uniques: { id: ['id'] },
      },
      Comment: {
        dbName: 'Comment',
        primaryKey: [ref('tenant'), ref('seq', 'Int')],
        fields: { tenant: ref('tenant'), seq: ref('seq', 'Int'), text: ref('text'), postId: ref('postId') },
        encrypted: { text: ref('text') },
        relations: { post: { model: 'Post', isList: false } },
        uniques: { tenant_seq: ['tenant', 'seq'] },
      },
      Tag: {
        dbName: 'Tag',
        primaryKey: [ref('id', 'Int')],
        fields: { id: ref('id', 'Int') },
        encrypted: {},
        relations: { posts: { model: 'Post', isList: true } },
        uniques: { id: ['id'] },
      },
      Island: {
        dbName: 'Island',
        primaryKey: [],
        fields: { name: ref('name') },
        encrypted: {},
        relations: {},
        uniques: {},
      },
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
function mutated(edit: (map: Mutable<FieldMap>) => void): unknown {
  const map = structuredClone(sampleMap()) as Mutable<FieldMap>;
  edit(map);
  return map;
}

function refusal(input: unknown): FieldMapError {
  try {
    buildScheme(input);
  } catch (error) {
    if (error instanceof FieldMapError) return error;
    throw error;
  }
  throw new Error('buildScheme accepted the map');
}

describe('buildScheme on a valid map', () => {
  const scheme = buildScheme(sampleMap());

  it('indexes encrypted fields, blind indexes both ways and relations per model', () => {
    const user = scheme.model('User');
    expect(user.name).toBe('User');
    expect(user.dbName).toBe('users');
    expect(user.encryptedFields).toEqual(new Set(['email']));
    expect(user.blindIndexes.get('email')).toEqual({ field: 'emailHash', dbName: 'email_hash', normalize: ['nfkc', 'trim'], bytes: 32, unique: true, encryptedField: 'email' });
    expect(user.blindIndexesByIndexField.get('emailHash')?.encryptedField).toBe('email');
    expect(user.relations.get('posts')).toEqual({ model: 'Post', isList: true });
    expect(scheme.model('Comment').info.uniques).toEqual({ tenant_seq: ['tenant', 'seq'] });
    expect(scheme.provider).toBe('postgresql');
  });

  it('puts normalizations in canonical order whatever order the map lists them in', () => {
    expect(scheme.fieldMap.models.User?.encrypted.email?.hash?.normalize).toEqual(['nfkc', 'trim']);
  });

  it('knows which models lead to encrypted fields through relations', () => {
    expect(scheme.model('User').hasEncryptedFields).toBe(true);
    expect(scheme.model('Post').hasEncryptedFields).toBe(false);
    expect(scheme.model('Post').reachesEncryptedFields).toBe(true); // Post -> comments -> Comment.text
    expect(scheme.model('Tag').reachesEncryptedFields).toBe(true); // Tag -> posts -> Post -> ...
    expect(scheme.model('Island').reachesEncryptedFields).toBe(false);
    // User.email has an index; Comment (-> Post -> User) reaches it; Island reaches nothing
    expect(['User', 'Post', 'Comment', 'Tag', 'Island'].map((m) => scheme.model(m).reachesApplicationIndexes)).toEqual([true, true, true, true, false]);
  });

  it('freezes the map and the scheme objects, and leaves the caller\'s map untouched', () => {
    expect(Object.isFrozen(scheme)).toBe(true);
    expect(Object.isFrozen(scheme.model('User'))).toBe(true);
    expect(Object.isFrozen(scheme.fieldMap.models.User?.encrypted.email?.hash?.normalize)).toBe(true);
    const input = sampleMap();
    buildScheme(input);
    expect(Object.isFrozen(input)).toBe(false);
    expect(input.models.User?.encrypted.email?.hash?.normalize).toEqual(['trim', 'nfkc']);
  });

  it('carries a model\'s key scope, and none for models without one', () => {
    const scoped = buildScheme(mutated((m) => { m.models.Comment!.scope = { source: 'field', field: 'tenant', dbName: 'tenant', type: 'String' }; }));
    expect(scoped.model('Comment').scope).toEqual({ source: 'field', field: 'tenant', dbName: 'tenant', type: 'String' });
    expect(buildScheme(mutated((m) => { m.models.User!.scope = { source: 'request' }; })).model('User').scope).toEqual({ source: 'request' });
    expect(scheme.model('User').scope).toBeUndefined();
  });

  it('throws UNKNOWN_MODEL for a model the map does not have', () => {
    expect(() => scheme.model('Nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL', path: ['models', 'Nope'] }));
  });
});

describe('buildScheme refuses an untrustworthy map', () => {
  const cases: [string, unknown, FieldMapErrorCode, string, (string | number)[]][] = [
    ['not an object', 'fieldMap', 'INVALID_SHAPE', 'Not a valid field map at the top level', []],
    ['null', null, 'INVALID_SHAPE', 'Not a valid field map', []],
    ['another version', mutated((m) => { (m as { version: number }).version = 2; }), 'UNSUPPORTED_VERSION', 'version 2 is not supported', ['version']],
    ['no version', mutated((m) => { delete (m as { version?: number }).version; }), 'UNSUPPORTED_VERSION', 'version undefined', ['version']],
    ['a model without fields', mutated((m) => { delete (m.models.Post as { fields?: unknown }).fields; }), 'INVALID_SHAPE', 'models.Post.fields', ['models', 'Post', 'fields']],
    ['hashBytes out of range', mutated((m) => { m.models.User!.encrypted.email!.hash!.bytes = 0; }), 'INVALID_SHAPE', 'models.User.encrypted.email.hash.bytes', ['models', 'User', 'encrypted', 'email', 'hash', 'bytes']],
    ['a unique index shorter than 16 bytes', mutated((m) => { m.models.User!.encrypted.email!.hash!.bytes = 15; }), 'INVALID_OPTIONS', 'at least 16 for a unique index', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['an unknown normalization', mutated((m) => { (m.models.User!.encrypted.email!.hash!.normalize as string[]).push('soundex'); }), 'INVALID_SHAPE', 'normalize', ['models', 'User', 'encrypted', 'email', 'hash', 'normalize', 2]],
    ['a field key that disagrees with its name', mutated((m) => { m.models.Post!.fields.title!.name = 'heading'; }), 'INVALID_SHAPE', 'the key and the name must match', ['models', 'Post', 'fields', 'title']],
    ['a relation to a missing model', mutated((m) => { m.models.Post!.relations.author!.model = 'Person'; }), 'DANGLING_REFERENCE', 'leads to model `Person`', ['models', 'Post', 'relations', 'author', 'model']],
    ['a primary key on a missing field', mutated((m) => { m.models.Comment!.primaryKey[1]!.name = 'sequence'; }), 'DANGLING_REFERENCE', 'names field `sequence`', ['models', 'Comment', 'primaryKey', 1]],
    ['a unique on a missing field', mutated((m) => { m.models.Comment!.uniques.tenant_seq = ['tenant', 'sequence']; }), 'DANGLING_REFERENCE', 'names field `sequence`', ['models', 'Comment', 'uniques', 'tenant_seq', 1]],
    ['an encrypted field that is not a field', mutated((m) => { m.models.Post!.encrypted.summary = ref('summary'); }), 'DANGLING_REFERENCE', 'names field `summary`', ['models', 'Post', 'encrypted', 'summary']],
    ['an encrypted field on another column', mutated((m) => { m.models.Comment!.encrypted.text!.dbName = 'body'; }), 'INVALID_SHAPE', 'disagrees with Comment.fields.text', ['models', 'Comment', 'encrypted', 'text']],
    ['an encrypted Int', mutated((m) => { m.models.Comment!.encrypted.seq = ref('seq', 'Int'); }), 'INVALID_OPTIONS', 'only String fields can be encrypted', ['models', 'Comment', 'encrypted', 'seq']],
    ['a hash field that is missing', mutated((m) => { m.models.User!.encrypted.email!.hash!.field = 'mailHash'; }), 'DANGLING_REFERENCE', 'names field `mailHash`', ['models', 'User', 'encrypted', 'email', 'hash', 'field']],
    ['a hash field that is not a String', mutated((m) => { m.models.User!.encrypted.email!.hash!.field = 'id'; }), 'INVALID_OPTIONS', 'is of type Int, not String', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['a hash field that is the field itself', mutated((m) => { m.models.User!.encrypted.email!.hash!.field = 'email'; }), 'INVALID_OPTIONS', 'is the encrypted field itself', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['a hash field that is encrypted', mutated((m) => { m.models.User!.encrypted.emailHash = m.models.User!.fields.emailHash!; }), 'INVALID_OPTIONS', 'is itself encrypted', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['a hash field on another column', mutated((m) => { m.models.User!.encrypted.email!.hash!.dbName = 'emailHash'; }), 'INVALID_OPTIONS', 'is stored in column `email_hash`', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['an encrypted primary key field', mutated((m) => { m.models.Comment!.encrypted.tenant = ref('tenant'); }), 'INVALID_OPTIONS', 'part of the primary key', ['models', 'Comment', 'encrypted', 'tenant']],
    ['an encrypted unique field', mutated((m) => { m.models.User!.encrypted.emailHash = m.models.User!.fields.emailHash!; delete m.models.User!.encrypted.email; }), 'INVALID_OPTIONS', 'part of unique input `emailHash`', ['models', 'User', 'encrypted', 'emailHash']],
    ['a required hash field for an optional value', mutated((m) => { m.models.User!.fields.emailHash!.isRequired = true; m.models.User!.fields.email!.isRequired = false; m.models.User!.encrypted.email!.isRequired = false; }), 'INVALID_OPTIONS', 'is required while `email` is optional', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['a normalization listed twice', mutated((m) => { m.models.User!.encrypted.email!.hash!.normalize = ['trim', 'trim']; }), 'INVALID_OPTIONS', 'lists a normalization twice', ['models', 'User', 'encrypted', 'email', 'hash']],
    ['identifier combined with another normalization', mutated((m) => { m.models.User!.encrypted.email!.hash!.normalize = ['identifier', 'trim']; }), 'INVALID_OPTIONS', 'combines `identifier` with other normalizations', ['models', 'User', 'encrypted', 'email', 'hash']],
    [
      'a hash field shared by two fields',
      mutated((m) => {
        const user = m.models.User!;
        user.fields.name = ref('name');
        user.encrypted.name = { ...ref('name'), hash: { ...user.encrypted.email!.hash! } };
      }),
      'INVALID_OPTIONS',
      'is already the index of `email`',
      ['models', 'User', 'encrypted', 'name', 'hash'],
    ],
  ];

  const commentScope = (scope: unknown) => mutated((m) => { (m.models.Comment as { scope?: unknown }).scope = scope; });
  const byTenant = { source: 'field', field: 'tenant', dbName: 'tenant', type: 'String' };
  cases.push(
    ['a scope of an unknown source', commentScope({ source: 'header' }), 'INVALID_SHAPE', 'models.Comment.scope.source', ['models', 'Comment', 'scope', 'source']],
    ['a scope field of type Boolean', commentScope({ ...byTenant, type: 'Boolean' }), 'INVALID_SHAPE', 'models.Comment.scope.type', ['models', 'Comment', 'scope', 'type']],
    ['a scope field that is missing', commentScope({ ...byTenant, field: 'org' }), 'DANGLING_REFERENCE', 'names field `org`', ['models', 'Comment', 'scope', 'field']],
    ['a scope field on another column', commentScope({ ...byTenant, dbName: 'tenant_id' }), 'INVALID_OPTIONS', 'is stored in column `tenant`', ['models', 'Comment', 'scope']],
    ['a scope field of another type', commentScope({ ...byTenant, type: 'Int' }), 'INVALID_OPTIONS', 'is of type String, not Int', ['models', 'Comment', 'scope']],
    ['an optional scope field', mutated((m) => { m.models.Comment!.fields.postId!.isRequired = false; m.models.Comment!.scope = { source: 'field', field: 'postId', dbName: 'postId', type: 'String' }; }), 'INVALID_OPTIONS', 'is optional', ['models', 'Comment', 'scope']],
    ['an encrypted scope field', commentScope({ ...byTenant, field: 'text', dbName: 'text' }), 'INVALID_OPTIONS', 'is encrypted', ['models', 'Comment', 'scope']],
    ['a scope field that is a blind index', mutated((m) => { m.models.User!.scope = { source: 'field', field: 'emailHash', dbName: 'email_hash', type: 'String' }; m.models.User!.fields.emailHash!.isRequired = true; m.models.User!.fields.email!.isRequired = true; }), 'INVALID_OPTIONS', 'is the blind index of `email`', ['models', 'User', 'scope']],
    ['a request scope beside a field named request', mutated((m) => { m.models.Comment!.fields.request = ref('request'); m.models.Comment!.scope = { source: 'request' }; }), 'INVALID_OPTIONS', 'a field named `request`', ['models', 'Comment', 'scope']],
    ['a scope on a model without encrypted fields', mutated((m) => { m.models.Post!.scope = { source: 'request' }; }), 'INVALID_OPTIONS', 'without encrypted fields', ['models', 'Post', 'scope']],
  );

  it.each(cases)('%s', (_label, input, code, inMessage, path) => {
    const error = refusal(input);
    expect(error.code).toBe(code);
    expect(error.message).toContain(inMessage);
    expect(error.path).toEqual(path);
    expect(isFieldMapError(error)).toBe(true);
  });

  it('Precondition: every refusal tells how to fix a generated map', () => {
    expect(refusal(mutated((m) => { m.models.Post!.relations.author!.model = 'Person'; })).message).toContain('Fix: regenerate the field map');
    expect(refusal({ version: 3 }).message).toContain('Fix: run `prisma generate`');
  });

  it('parseFieldMap drops unknown properties instead of passing them on', () => {
    const map = parseFieldMap({ ...sampleMap(), extra: true });
    expect('extra' in map).toBe(false);
  });
});
