import { InvalidFieldValueError, PrismaKmsErrorCode, UnsupportedQueryError } from '../errors';
import { buildScheme } from '../field-map';
import { fieldMap } from './__tests__/field-map.fixture';
import { planArgs } from './args-walker';
import { copyPlain } from './plain-data';

const scheme = buildScheme(fieldMap);

/** The targets as `path.join('.') -> plaintext`, the easiest form to compare. */
function writes(model: string, operation: string, args: unknown): Record<string, string> {
  const plan = planArgs(scheme, model, operation, args);
  return Object.fromEntries(plan.writes.map((target) => [target.path.join('.'), `${target.model}.${target.field}=${target.plaintext}`]));
}

function refusal(model: string, operation: string, args: unknown): { model?: string; field?: string; operator: string } {
  try {
    planArgs(scheme, model, operation, args);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedQueryError);
    const e = error as UnsupportedQueryError;
    expect(e.code).toBe(PrismaKmsErrorCode.UNSUPPORTED_QUERY);
    return { model: e.model, field: e.field, operator: e.operator };
  }
  throw new Error('expected the query to be refused');
}

describe('planArgs: writes', () => {
  it('collects the encrypted fields of a create and leaves the others alone', () => {
    expect(writes('User', 'create', { data: { name: 'Ada', email: 'ada@example.com', role: 'admin' } })).toEqual({
      'data.name': 'User.name=Ada',
      'data.email': 'User.email=ada@example.com',
    });
  });

  it('returns a deep copy and never mutates the caller arguments', () => {
    const args = { data: { name: 'Ada', email: 'a@b.c', posts: { create: [{ title: 't', body: 'b' }] } }, select: { id: true } };
    const before = structuredClone(args);
    const plan = planArgs(scheme, 'User', 'create', args);
    expect(plan.args).toEqual(before);
    expect(plan.args).not.toBe(args);
    const copy = plan.args as typeof args;
    expect(copy.data).not.toBe(args.data);
    expect(copy.data.posts.create[0]).not.toBe(args.data.posts.create[0]);
    (copy.data.posts.create[0] as { body: string }).body = 'changed';
    expect(args).toEqual(before);
  });

  it('keeps Dates and other class instances by reference in the copy', () => {
    const createdAt = new Date(0);
    const plan = planArgs(scheme, 'User', 'create', { data: { name: 'a', email: 'b', createdAt } });
    expect((plan.args as { data: { createdAt: Date } }).data.createdAt).toBe(createdAt);
  });

  it('encrypts the empty string and leaves null and undefined alone', () => {
    expect(writes('User', 'create', { data: { name: '', email: 'e', phone: null } })).toEqual({
      'data.name': 'User.name=',
      'data.email': 'User.email=e',
    });
    expect(writes('User', 'update', { where: { id: 1 }, data: { phone: undefined, name: { set: null } } })).toEqual({});
  });

  it('collects every row of createMany and createManyAndReturn', () => {
    const data = [{ name: 'a', email: 'a@x' }, { name: 'b', email: 'b@x', phone: '1' }];
    for (const operation of ['createMany', 'createManyAndReturn']) {
      expect(writes('User', operation, { data, skipDuplicates: true })).toEqual({
        'data.0.name': 'User.name=a',
        'data.0.email': 'User.email=a@x',
        'data.1.name': 'User.name=b',
        'data.1.email': 'User.email=b@x',
        'data.1.phone': 'User.phone=1',
      });
    }
  });

  it('collects update, updateMany and updateManyAndReturn data, including { set }', () => {
    for (const operation of ['update', 'updateMany', 'updateManyAndReturn']) {
      expect(writes('User', operation, { where: { role: 'x' }, data: { name: { set: 'n' }, phone: 'p' } })).toEqual({
        'data.name.set': 'User.name=n',
        'data.phone': 'User.phone=p',
      });
    }
  });

  it('collects both branches of an upsert', () => {
    expect(writes('Post', 'upsert', { where: { id: 'p1' }, create: { title: 't', body: 'new', authorId: 1 }, update: { secretNote: 'upd' } })).toEqual({
      'create.body': 'Post.body=new',
      'update.secretNote': 'Post.secretNote=upd',
    });
  });

  it('follows nested create, createMany and connectOrCreate at any depth, switching models', () => {
    expect(
      writes('User', 'create', {
        data: {
          name: 'n',
          email: 'e',
          profile: { create: { bio: 'bio' } },
          posts: {
            create: [
              { title: 't', body: 'b0', comments: { createMany: { data: [{ text: 'c0', authorId: 1 }] } } },
              { title: 't', body: 'b1', tags: { connectOrCreate: { where: { name: 'x' }, create: { name: 'x' } } } },
            ],
            connectOrCreate: [{ where: { id: 'p9' }, create: { title: 't', body: 'b9' } }],
          },
        },
      }),
    ).toEqual({
      'data.name': 'User.name=n',
      'data.email': 'User.email=e',
      'data.profile.create.bio': 'Profile.bio=bio',
      'data.posts.create.0.body': 'Post.body=b0',
      'data.posts.create.0.comments.createMany.data.0.text': 'Comment.text=c0',
      'data.posts.create.1.body': 'Post.body=b1',
      'data.posts.connectOrCreate.0.create.body': 'Post.body=b9',
    });
  });

  it('walks through a model without encrypted fields (m-n through Tag)', () => {
    expect(
      writes('Tag', 'create', { data: { name: 'x', posts: { create: { title: 't', body: 'via tag', author: { create: { name: 'n', email: 'e' } } } } } }),
    ).toEqual({
      'data.posts.create.body': 'Post.body=via tag',
      'data.posts.create.author.create.name': 'User.name=n',
      'data.posts.create.author.create.email': 'User.email=e',
    });
  });

  it('follows nested update, updateMany and upsert on lists and to-one relations', () => {
    expect(
      writes('User', 'update', {
        where: { id: 1 },
        data: {
          profile: { update: { ssn: 'bare' } },
          posts: {
            update: [{ where: { id: 'p1' }, data: { body: 'u1' } }],
            updateMany: { where: { published: false }, data: { secretNote: 'um' } },
            upsert: { where: { id: 'p2' }, create: { title: 't', body: 'c2' }, update: { body: { set: 'u2' } } },
          },
        },
      }),
    ).toEqual({
      'data.profile.update.ssn': 'Profile.ssn=bare',
      'data.posts.update.0.data.body': 'Post.body=u1',
      'data.posts.updateMany.data.secretNote': 'Post.secretNote=um',
      'data.posts.upsert.create.body': 'Post.body=c2',
      'data.posts.upsert.update.body.set': 'Post.body=u2',
    });
    expect(
      writes('Post', 'update', {
        where: { id: 'p' },
        data: { author: { update: { where: { role: 'x' }, data: { name: 'env' } }, upsert: { create: { name: 'c', email: 'e' }, update: { phone: 'u' } } } },
      }),
    ).toEqual({
      'data.author.update.data.name': 'User.name=env',
      'data.author.upsert.create.name': 'User.name=c',
      'data.author.upsert.create.email': 'User.email=e',
      'data.author.upsert.update.phone': 'User.phone=u',
    });
  });

  it('passes the arguments of a model that reaches no encrypted field through as a copy', () => {
    const args = { data: { key: 'k', value: 'v' } };
    const plan = planArgs(scheme, 'Setting', 'create', args);
    expect(plan.writes).toEqual([]);
    expect(plan.args).toEqual(args);
  });
});

describe('planArgs: values an encrypted field refuses', () => {
  it.each([
    ['a number', 42, 'number'],
    ['a Date', new Date(0), 'Date'],
    ['a boolean', true, 'boolean'],
    ['an array', ['a'], 'array'],
    ['a Buffer', Buffer.from('a'), 'Buffer'],
  ])('refuses %s, naming model and field and never the value', (_label, value, received) => {
    let caught: unknown;
    try {
      planArgs(scheme, 'Post', 'create', { data: { title: 't', body: value } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidFieldValueError);
    const e = caught as InvalidFieldValueError;
    expect([e.code, e.model, e.field, e.received]).toEqual([PrismaKmsErrorCode.INVALID_FIELD_VALUE, 'Post', 'body', received]);
    expect(e.message).toContain('Post.body');
    expect(e.message).not.toContain('42');
  });

  it('refuses a non-string inside { set } and an object in a nested create', () => {
    expect(() => planArgs(scheme, 'User', 'update', { where: { id: 1 }, data: { name: { set: 7 } } })).toThrow(InvalidFieldValueError);
    expect(() => planArgs(scheme, 'User', 'update', { where: { id: 1 }, data: { posts: { create: { title: 't', body: { x: 1 } } } } })).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.INVALID_FIELD_VALUE, model: 'Post', field: 'body', received: 'object' }),
    );
  });

  it.each(['increment', 'decrement', 'multiply', 'divide', 'push', 'unset'])('refuses the update operation { %s }', (operation) => {
    expect(refusal('User', 'update', { where: { id: 1 }, data: { name: { [operation]: 1 } } })).toEqual({ model: 'User', field: 'name', operator: operation });
  });
});

describe('planArgs: filters on encrypted fields are refused before the query is sent', () => {
  it.each([
    ['the equals shorthand', { email: 'a@b.c' }, 'equals'],
    ['equals', { email: { equals: 'a' } }, 'equals'],
    ['contains', { email: { contains: '@', mode: 'insensitive' } }, 'contains'],
    ['in', { name: { in: ['a'] } }, 'in'],
    ['not with a value', { name: { not: 'a' } }, 'not'],
    ['a nested not filter', { name: { not: { startsWith: 'a' } } }, 'startsWith'],
    ['gt', { phone: { gt: '0' } }, 'gt'],
    ['inside AND', { AND: [{ role: 'x' }, { name: 'a' }] }, 'equals'],
    ['inside OR', { OR: [{ role: 'x' }, { email: { endsWith: '.c' } }] }, 'endsWith'],
    ['inside NOT', { NOT: { phone: 'p' } }, 'equals'],
  ])('refuses %s on User', (_label, where, operator) => {
    const field = JSON.stringify(where).match(/"(email|name|phone)"/)![1];
    expect(refusal('User', 'findMany', { where })).toEqual({ model: 'User', field, operator });
  });

  it.each([
    ['some', { posts: { some: { body: 'x' } } }, 'Post', 'body'],
    ['every', { posts: { every: { secretNote: { contains: 'x' } } } }, 'Post', 'secretNote'],
    ['none', { comments: { none: { text: 'x' } } }, 'Comment', 'text'],
    ['is', { profile: { is: { ssn: '1' } } }, 'Profile', 'ssn'],
    ['isNot', { profile: { isNot: { bio: 'b' } } }, 'Profile', 'bio'],
    ['a bare to-one filter', { profile: { ssn: '1' } }, 'Profile', 'ssn'],
    ['two levels down', { posts: { some: { comments: { some: { AND: { text: 't' } } } } } }, 'Comment', 'text'],
  ])('refuses a relation filter through %s, naming the related model', (_label, where, model, field) => {
    expect(refusal('User', 'findMany', { where })).toMatchObject({ model, field });
  });

  it('refuses through a model without encrypted fields (Tag -> Post)', () => {
    expect(refusal('Tag', 'findMany', { where: { posts: { some: { body: 'x' } } } })).toMatchObject({ model: 'Post', field: 'body' });
  });

  it('refuses filters in every position that takes one', () => {
    const cases: [string, string, unknown][] = [
      ['User', 'findUnique', { where: { id: 1, name: 'x' } }],
      ['User', 'findFirstOrThrow', { where: { email: 'x' } }],
      ['User', 'update', { where: { id: 1, email: 'x' }, data: {} }],
      ['User', 'updateMany', { where: { email: 'x' }, data: { role: 'r' } }],
      ['User', 'deleteMany', { where: { email: 'x' } }],
      ['User', 'delete', { where: { id: 1, email: 'x' } }],
      ['User', 'count', { where: { email: 'x' } }],
      ['User', 'aggregate', { where: { email: 'x' } }],
      ['User', 'groupBy', { by: ['role'], where: { email: 'x' } }],
      ['User', 'findMany', { include: { posts: { where: { body: 'x' } } } }],
      ['User', 'findMany', { select: { profile: { where: { ssn: 'x' } } } }],
      ['User', 'findMany', { include: { posts: { include: { comments: { where: { text: 'x' } } } } } }],
      ['User', 'findMany', { select: { _count: { select: { posts: { where: { body: 'x' } } } } } }],
      ['User', 'update', { where: { id: 1 }, data: { posts: { updateMany: { where: { body: 'x' }, data: {} } } } }],
      ['User', 'update', { where: { id: 1 }, data: { posts: { deleteMany: [{ body: 'x' }] } } }],
      ['User', 'update', { where: { id: 1 }, data: { posts: { connect: { id: 'p', body: 'x' } } } }],
      ['User', 'create', { data: { name: 'n', email: 'e' }, include: { posts: { where: { body: 'x' } } } }],
    ];
    for (const [model, operation, args] of cases) {
      expect(() => planArgs(scheme, model, operation, args)).toThrow(UnsupportedQueryError);
    }
  });

  it('lets null checks through: null is stored as NULL, not encrypted', () => {
    for (const where of [{ phone: null }, { phone: { equals: null } }, { phone: { not: null } }, { profile: { is: { bio: null } } }]) {
      expect(() => planArgs(scheme, 'User', 'findMany', { where })).not.toThrow();
    }
  });

  it('lets filters on plain fields through, also on models with encrypted fields', () => {
    const args = { where: { role: { in: ['a'] }, posts: { some: { title: { contains: 't' } } }, profile: { is: null } } };
    expect(planArgs(scheme, 'User', 'findMany', args).args).toEqual(args);
  });
});

describe('planArgs: sorting, cursors, distinct, grouping and aggregates on encrypted fields are refused', () => {
  it.each([
    ['orderBy', 'findMany', { orderBy: { name: 'asc' } }, 'User', 'name', 'orderBy'],
    ['orderBy in a list', 'findMany', { orderBy: [{ role: 'asc' }, { email: { sort: 'desc', nulls: 'last' } }] }, 'User', 'email', 'orderBy'],
    ['orderBy through a to-one relation', 'findMany', { orderBy: { profile: { ssn: 'asc' } } }, 'Profile', 'ssn', 'orderBy'],
    ['orderBy in an include', 'findMany', { include: { posts: { orderBy: { body: 'asc' } } } }, 'Post', 'body', 'orderBy'],
    ['cursor', 'findMany', { cursor: { email: 'x' } }, 'User', 'email', 'cursor'],
    ['distinct', 'findMany', { distinct: ['role', 'name'] }, 'User', 'name', 'distinct'],
    ['distinct as a string', 'findMany', { distinct: 'phone' }, 'User', 'phone', 'distinct'],
    ['groupBy by', 'groupBy', { by: ['email'] }, 'User', 'email', 'by'],
    ['groupBy having', 'groupBy', { by: ['role'], having: { OR: [{ name: { _count: { gt: 1 } } }] } }, 'User', 'name', 'having'],
    ['_count of one field', 'aggregate', { _count: { name: true } }, 'User', 'name', '_count'],
    ['_min', 'aggregate', { _min: { email: true } }, 'User', 'email', '_min'],
    ['_max in groupBy', 'groupBy', { by: ['role'], _max: { phone: true } }, 'User', 'phone', '_max'],
    ['orderBy an aggregate', 'groupBy', { by: ['role'], orderBy: { _max: { name: 'asc' } } }, 'User', 'name', 'orderBy._max'],
    ['count with a field select', 'count', { select: { _all: true, email: true } }, 'User', 'email', 'select'],
  ])('refuses %s', (_label, operation, args, model, field, operator) => {
    expect(refusal('User', operation, args)).toEqual({ model, field, operator });
  });

  it('allows counting rows, plain-field aggregates and relation-count ordering', () => {
    const allowed: [string, unknown][] = [
      ['count', { select: { _all: true } }],
      ['count', {}],
      ['aggregate', { _count: true }],
      ['aggregate', { _count: { _all: true }, _max: { createdAt: true }, _min: { id: true } }],
      ['groupBy', { by: ['role'], _count: { _all: true }, orderBy: { role: 'asc' }, having: { id: { _count: { gt: 1 } } } }],
      ['findMany', { orderBy: [{ posts: { _count: 'desc' } }, { createdAt: 'asc' }], cursor: { id: 3 }, distinct: ['role'] }],
      ['findMany', { select: { _count: { select: { posts: true } } } }],
    ];
    for (const [operation, args] of allowed) expect(() => planArgs(scheme, 'User', operation, args)).not.toThrow();
  });

  it('allows a cursor on a compound key of plain fields and refuses one on an encrypted field', () => {
    expect(() => planArgs(scheme, 'AuditEntry', 'findMany', { cursor: { tenant_seq: { tenant: 't', seq: 1 } } })).not.toThrow();
    expect(refusal('AuditEntry', 'findMany', { cursor: { payload: 'x' } })).toEqual({ model: 'AuditEntry', field: 'payload', operator: 'cursor' });
  });
});

describe('planArgs: shapes Prisma reads by their keys (issue 9 findings 1 and 2)', () => {
  it('walks a to-one `update: { data }` as the envelope when the target has a `data` field Prisma cannot mean', () => {
    expect(writes('Account', 'update', { where: { id: 1 }, data: { settings: { update: { data: { secret: 's', where: 'w' } } } } })).toEqual({
      'data.settings.update.data.secret': 'Settings.secret=s',
      'data.settings.update.data.where': 'Settings.where=w',
    });
    expect(writes('Account', 'update', { where: { id: 1 }, data: { settings: { update: { data: 'd', where: 'w' } } } })).toEqual({
      'data.settings.update.where': 'Settings.where=w',
    });
  });

  it('refuses a to-one update or relation filter that fits two readings, and any __proto__ key', () => {
    expect(() => planArgs(scheme, 'Account', 'update', { where: { id: 1 }, data: { settings: { update: { data: { set: 'x' } } } } })).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY }),
    );
    expect(() => planArgs(scheme, 'Account', 'findMany', { where: { settings: { is: { equals: 'x' } } } })).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY }),
    );
    expect(() => planArgs(scheme, 'Account', 'create', JSON.parse('{"data":{"__proto__":{"owner":"x"}}}'))).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.FORBIDDEN_KEY }),
    );
  });

  it('copies never inherit: an own __proto__ key stays an own key in copyPlain', () => {
    const copy = copyPlain(JSON.parse('{"a":{"__proto__":{"owner":"x"}}}') as { a: Record<string, unknown> });
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.a, '__proto__')).toBe(true);
    expect((copy.a as { owner?: unknown }).owner).toBeUndefined();
  });
});
