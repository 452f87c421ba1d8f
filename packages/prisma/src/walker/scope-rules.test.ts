import fc from 'fast-check';
import { InvalidScopeError, PrismaKmsErrorCode, ScopeMismatchError, ScopeRequiredError } from '../errors';
import { buildScheme } from '../field-map';
import type { FieldMap } from '../field-map';
import { fieldsByName, scalar } from '../field-map/__tests__/builders';
import type { QueryIndexer } from '../blind-index';
import { planArgs, ScopeIndexerNotLoaded, type PlanOptions } from './args-walker';
import { scopeOf } from './scope-rules';

// TenantMember and TenantNote are scoped by their tenantId column, Journal by the request (as in prisma/schema.prisma).
const optional = { isRequired: false } as const;
const email = scalar('email', 'String', optional);
const name = scalar('name', 'String', optional);
const text = scalar('text');
const entry = scalar('entry');
const topic = scalar('topic', 'String', optional);
const tenantId = scalar('tenantId', 'String', { dbName: 'tenant_id' });
const fieldMap: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    TenantMember: {
      dbName: 'tenant_members',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int', { isUnique: true }), tenantId, email, scalar('emailHash', 'String', { ...optional, dbName: 'email_hash' }), name),
      encrypted: { email: { ...email, hash: { field: 'emailHash', dbName: 'email_hash', normalize: ['identifier'], bytes: 32, unique: false } }, name },
      relations: { notes: { model: 'TenantNote', isList: true } },
      uniques: { id: ['id'], tenantId_emailHash: ['tenantId', 'emailHash'] },
      scope: { source: 'field', field: 'tenantId', dbName: 'tenant_id', type: 'String' },
    },
    TenantNote: {
      dbName: 'tenant_notes',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int', { isUnique: true }), tenantId, text, scalar('memberId', 'Int')),
      encrypted: fieldsByName(text),
      relations: { member: { model: 'TenantMember', isList: false } },
      uniques: { id: ['id'] },
      scope: { source: 'field', field: 'tenantId', dbName: 'tenant_id', type: 'String' },
    },
    Journal: {
      dbName: 'Journal',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int', { isUnique: true }), entry, topic, scalar('topicHash', 'String', optional)),
      encrypted: fieldsByName(entry, { ...topic, hash: { field: 'topicHash', dbName: 'topicHash', normalize: ['trim'], bytes: 32, unique: false } } as never),
      relations: {},
      uniques: { id: ['id'] },
      scope: { source: 'request' },
    },
  },
};
const scheme = buildScheme(fieldMap);

/** An indexer per scope whose indexes say which scope computed them. */
function scopedIndexer(scope: string): QueryIndexer {
  return {
    compute: (_field, value) => `${scope}#${value}`,
    computeAll: (_field, value) => [`${scope}#${value}`],
    normalize: (value) => value,
  };
}
const everyScope: PlanOptions = { scopeIndexer: scopedIndexer };

function plan(model: string, operation: string, args: unknown, options: PlanOptions = {}) {
  return planArgs(scheme, model, operation, args, { ...everyScope, ...options });
}

/** `path -> scope` of every value a plan encrypts. */
function scopes(model: string, operation: string, args: unknown, options: PlanOptions = {}): Record<string, string | undefined> {
  return Object.fromEntries(plan(model, operation, args, options).writes.map((w) => [w.path.join('.'), w.scope]));
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('the scope of a write to a model scoped by a field', () => {
  it('rule 1: the data sets the scope field', () => {
    expect(scopes('TenantMember', 'create', { data: { tenantId: 'acme', name: 'Ada', email: 'a@b.c' } })).toEqual({ 'data.name': 'acme', 'data.email': 'acme' });
    expect(scopes('TenantMember', 'update', { where: { id: 1 }, data: { tenantId: { set: 'acme' }, name: 'Ada' } })).toEqual({ 'data.name': 'acme' });
  });

  it('rule 2: the where pins it (F: v, F: { equals: v }, inside AND, in a compound unique)', () => {
    expect(scopes('TenantMember', 'updateMany', { where: { tenantId: 'acme' }, data: { name: 'Ada' } })).toEqual({ 'data.name': 'acme' });
    expect(scopes('TenantMember', 'updateMany', { where: { tenantId: { equals: 'acme' } }, data: { name: 'Ada' } })).toEqual({ 'data.name': 'acme' });
    expect(scopes('TenantMember', 'updateMany', { where: { AND: [{ id: 2 }, { tenantId: 'acme' }] }, data: { name: 'Ada' } })).toEqual({ 'data.name': 'acme' });
    expect(scopes('TenantMember', 'update', { where: { tenantId_emailHash: { tenantId: 'acme', emailHash: 'x' } }, data: { name: 'Ada' } })).toEqual({ 'data.name': 'acme' });
  });

  it('Precondition: a filter that is not an exact equality does not pin the scope', () => {
    for (const where of [{ tenantId: { in: ['acme'] } }, { tenantId: { equals: 'acme', mode: 'insensitive' } }, { OR: [{ tenantId: 'acme' }] }, { NOT: { tenantId: 'acme' } }, { tenantId: '' }]) {
      expect(thrown(() => plan('TenantMember', 'updateMany', { where, data: { name: 'Ada' } }))).toBeInstanceOf(ScopeRequiredError);
    }
  });

  it('rule 3: the request scope, with the scope field added to the where of an update or delete', () => {
    const update = plan('TenantMember', 'updateMany', { where: { id: { gt: 1 } }, data: { name: 'Ada' } }, { requestScope: 'acme' });
    expect(update.writes.map((w) => w.scope)).toEqual(['acme']);
    expect((update.args as { where: unknown }).where).toEqual({ id: { gt: 1 }, tenantId: 'acme' });
    expect((plan('TenantMember', 'deleteMany', undefined, { requestScope: 'acme' }).args as { where: unknown }).where).toEqual({ tenantId: 'acme' });
    expect((plan('TenantMember', 'delete', { where: { id: 3 } }, { requestScope: 'acme' }).args as { where: unknown }).where).toEqual({ id: 3, tenantId: 'acme' });
    // A filter on the scope field that pins nothing is kept, and the request's scope is ANDed to it.
    expect((plan('TenantMember', 'updateMany', { where: { tenantId: { not: 'x' } }, data: {} }, { requestScope: 'acme' }).args as { where: unknown }).where).toEqual({
      tenantId: { not: 'x' },
      AND: [{ tenantId: 'acme' }],
    });
  });

  it('rule 3: a create must set the scope field itself, even with a request scope', () => {
    const error = thrown(() => plan('TenantMember', 'create', { data: { name: 'Ada' } }, { requestScope: 'acme' }));
    expect(error).toBeInstanceOf(ScopeRequiredError);
    expect(error).toMatchObject({ code: PrismaKmsErrorCode.SCOPE_REQUIRED, model: 'TenantMember', field: 'name', scopeField: 'tenantId' });
    expect(scopes('TenantMember', 'create', { data: { tenantId: 'acme', name: 'Ada' } }, { requestScope: 'acme' })).toEqual({ 'data.name': 'acme' });
  });

  it('rule 4: no scope at all is refused, naming model, field and scope field', () => {
    for (const [operation, args] of [
      ['create', { data: { name: 'Ada' } }],
      ['createMany', { data: [{ tenantId: 'acme', name: 'A' }, { name: 'B' }] }],
      ['update', { where: { id: 1 }, data: { name: 'Ada' } }],
      ['updateMany', { data: { email: 'a@b.c' } }],
      ['upsert', { where: { id: 1 }, create: { tenantId: 'acme', name: 'A' }, update: { name: 'B' } }],
    ] as const) {
      const error = thrown(() => plan('TenantMember', operation, args));
      expect(error).toBeInstanceOf(ScopeRequiredError);
      expect((error as ScopeRequiredError).message).toMatch(/^TenantMember\.(name|email) is encrypted under the key of a scope taken from `tenantId`/);
    }
  });

  it('writes of null or of no encrypted field need no scope', () => {
    expect(plan('TenantMember', 'update', { where: { id: 1 }, data: { name: null, email: null } }).writes).toEqual([]);
    expect(plan('TenantMember', 'deleteMany', { where: { id: 1 } }).args).toEqual({ where: { id: 1 } });
  });

  it('two sources that disagree are refused with SCOPE_MISMATCH, naming them but not the scopes', () => {
    const cases: [string, unknown, PlanOptions, [string, string]][] = [
      ['create', { data: { tenantId: 'globex', name: 'Ada' } }, { requestScope: 'acme' }, ['data', 'request']],
      ['updateMany', { where: { tenantId: 'acme' }, data: { tenantId: 'globex', name: 'Ada' } }, {}, ['data', 'where']],
      ['updateMany', { where: { tenantId: 'globex' }, data: { name: 'Ada' } }, { requestScope: 'acme' }, ['where', 'request']],
      ['deleteMany', { where: { tenantId: 'globex' } }, { requestScope: 'acme' }, ['where', 'request']],
      ['findMany', { where: { tenantId: 'globex', email: 'a@b.c' } }, { requestScope: 'acme' }, ['where', 'request']],
    ];
    for (const [operation, args, options, sources] of cases) {
      const error = thrown(() => plan('TenantMember', operation, args, options));
      expect(error).toBeInstanceOf(ScopeMismatchError);
      expect(error).toMatchObject({ code: PrismaKmsErrorCode.SCOPE_MISMATCH, model: 'TenantMember', sources });
      expect((error as Error).message).not.toMatch(/acme|globex/);
    }
  });

  it('an invalid scope in the data of an encrypted write is refused, never taken for the application key', () => {
    for (const bad of ['', 'a\u0000b', 'x'.repeat(256), null, 1.5, { increment: 1 }]) {
      const error = thrown(() => plan('TenantMember', 'create', { data: { tenantId: bad, name: 'Ada' } }));
      expect(error).toBeInstanceOf(InvalidScopeError);
      expect(error).toMatchObject({ code: PrismaKmsErrorCode.INVALID_SCOPE, model: 'TenantMember', field: 'tenantId' });
    }
  });

  it('nested writes follow the rules on their own node', () => {
    expect(scopes('TenantMember', 'create', { data: { tenantId: 'acme', name: 'Ada', notes: { create: [{ tenantId: 'acme', text: 't1' }] } } })).toEqual({
      'data.name': 'acme',
      'data.notes.create.0.text': 'acme',
    });
    // The parent's scope does not flow into a child: the child's data sets its own.
    expect(thrown(() => plan('TenantMember', 'create', { data: { tenantId: 'acme', notes: { create: { text: 't' } } } }))).toBeInstanceOf(ScopeRequiredError);
    expect(scopes('TenantMember', 'update', { where: { id: 1, tenantId: 'acme' }, data: { notes: { updateMany: { where: { tenantId: 'acme' }, data: { text: 't' } } } } })).toEqual({
      'data.notes.updateMany.data.text': 'acme',
    });
    const nested = plan('TenantMember', 'update', { where: { id: 1 }, data: { notes: { updateMany: { where: { id: 2 }, data: { text: 't' } }, deleteMany: {} } } }, { requestScope: 'acme' });
    expect(nested.writes.map((w) => w.scope)).toEqual(['acme']);
    expect(nested.args).toMatchObject({ where: { id: 1, tenantId: 'acme' }, data: { notes: { updateMany: { where: { id: 2, tenantId: 'acme' } }, deleteMany: { tenantId: 'acme' } } } });
  });
});

describe('the scope of a request-scoped model', () => {
  it('is the request scope, and without one an encrypted write is refused', () => {
    expect(scopes('Journal', 'create', { data: { entry: 'Dear diary' } }, { requestScope: 'u1' })).toEqual({ 'data.entry': 'u1' });
    const error = thrown(() => plan('Journal', 'create', { data: { entry: 'Dear diary' } }));
    expect(error).toBeInstanceOf(ScopeRequiredError);
    expect(error).toMatchObject({ model: 'Journal', field: 'entry', scopeField: 'request' });
  });
});

describe('blind indexes on scoped models', () => {
  it('hash writes and comparisons with the indexer of the scope', () => {
    const created = plan('TenantMember', 'create', { data: { tenantId: 'acme', email: 'a@b.c' } });
    expect(created.args).toMatchObject({ data: { emailHash: 'acme#a@b.c' } });
    expect(plan('TenantMember', 'findFirst', { where: { tenantId: 'acme', email: 'a@b.c' } }).args).toEqual({ where: { tenantId: 'acme', emailHash: 'acme#a@b.c' } });
    expect(plan('TenantMember', 'findMany', { where: { OR: [{ email: 'a@b.c' }] } }, { requestScope: 'globex' }).args).toEqual({ where: { OR: [{ emailHash: 'globex#a@b.c' }] } });
    expect(plan('Journal', 'findMany', { where: { topic: 'work' } }, { requestScope: 'u1' }).args).toEqual({ where: { topicHash: 'u1#work' } });
  });

  it('a pin under AND or at an outer level covers the comparisons below it', () => {
    expect(plan('TenantMember', 'findMany', { where: { tenantId: 'acme', OR: [{ email: 'a@b.c' }, { NOT: { email: 'x@y.z' } }] } }).args).toEqual({
      where: { tenantId: 'acme', OR: [{ emailHash: 'acme#a@b.c' }, { NOT: { emailHash: 'acme#x@y.z' } }] },
    });
  });

  it('equality without a scope is refused: it would need every scope\'s key', () => {
    for (const where of [{ email: 'a@b.c' }, { OR: [{ tenantId: 'acme', email: 'a@b.c' }, { email: 'a@b.c' }] }, { NOT: { tenantId: 'acme' }, email: 'a@b.c' }]) {
      expect(thrown(() => plan('TenantMember', 'findMany', { where }))).toMatchObject({ code: PrismaKmsErrorCode.SCOPE_REQUIRED, field: 'email', scopeField: 'tenantId' });
    }
    expect(thrown(() => plan('Journal', 'findMany', { where: { topic: 'work' } }))).toMatchObject({ code: PrismaKmsErrorCode.SCOPE_REQUIRED, scopeField: 'request' });
  });

  it('stops with ScopeIndexerNotLoaded naming the scope whose indexer the caller must load first', () => {
    const error = thrown(() => planArgs(scheme, 'TenantMember', 'findMany', { where: { tenantId: 'acme', email: 'a@b.c' } }, { scopeIndexer: () => undefined }));
    expect(error).toBeInstanceOf(ScopeIndexerNotLoaded);
    expect((error as ScopeIndexerNotLoaded).scope).toBe('acme');
  });

  it('a null write or a null check needs no indexer', () => {
    expect(planArgs(scheme, 'TenantMember', 'update', { where: { id: 1 }, data: { email: null } }, {}).args).toEqual({ where: { id: 1 }, data: { email: null, emailHash: null } });
    expect(planArgs(scheme, 'TenantMember', 'findMany', { where: { email: null } }, {}).args).toEqual({ where: { email: null } });
  });
});

describe('scopeOf', () => {
  it('accepts strings, safe integers and bigints; refuses empty, long, control characters and other types', () => {
    expect(scopeOf('acme')).toEqual({ scope: 'acme' });
    expect(scopeOf(42)).toEqual({ scope: '42' });
    expect(scopeOf(-7n)).toEqual({ scope: '-7' });
    expect(scopeOf('x'.repeat(255))).toEqual({ scope: 'x'.repeat(255) });
    for (const bad of ['', 'x'.repeat(256), 'a\nb', 'a\u007fb', 'a\u0085b', 2 ** 60, 1.5, null, undefined, {}, true]) expect(scopeOf(bad)).toHaveProperty('problem');
  });
});

describe('property: the scope rules', () => {
  const scopeValue = fc.constantFrom('acme', 'globex', 'initech');
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

  it('an encrypted value is written under the data\'s, the where\'s or (for updates) the request\'s scope, or the write is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom('create', 'updateMany'), maybe(scopeValue), maybe(scopeValue), maybe(scopeValue), (operation, fromData, fromWhere, request) => {
        const data = { name: 'Ada', ...(fromData === undefined ? {} : { tenantId: fromData }) };
        const args = operation === 'create' ? { data } : { data, ...(fromWhere === undefined ? {} : { where: { tenantId: fromWhere } }) };
        const where = operation === 'create' ? undefined : fromWhere;
        const known = [fromData, where, request].filter((s) => s !== undefined);
        let result: { scope: string | undefined; where: unknown } | Error;
        try {
          const planned = plan('TenantMember', operation, args, { requestScope: request });
          result = { scope: planned.writes[0]?.scope, where: planned.where };
        } catch (error) {
          result = error as Error;
        }
        if (new Set(known).size > 1) return result instanceof ScopeMismatchError;
        const expected = fromData ?? where ?? (operation === 'create' ? undefined : request);
        if (expected === undefined) return result instanceof ScopeRequiredError;
        if (result instanceof Error) return false;
        // An update of a scoped request touches only rows of its scope.
        const narrowed = operation === 'create' || request === undefined || (result.where as { tenantId?: unknown }).tenantId === request;
        return result.scope === expected && narrowed;
      }),
    );
  });
});
