import { isPrismaKmsError, PrismaKmsErrorCode, UnsupportedQueryError, InvalidFieldValueError } from '../errors';
import { TruncatedIndexNegationError } from './errors';
import { rewriteWhere } from './where-rewrite';
import { scheme, testIndexer } from './__tests__/fixture';

const one = testIndexer();
const two = testIndexer({ versions: [2, 1] });
const h = (value: string, version = 1) => `v${version}:User.email:${value}`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('rewriteWhere: equality forms on an indexed field', () => {
  test('shorthand value -> the index column holds the index of the value', () => {
    expect(rewriteWhere(scheme, 'User', { email: 'a@b.c' }, one)).toEqual({ emailHash: h('a@b.c') });
  });

  test('the value is normalized the way the index normalizes it', () => {
    expect(rewriteWhere(scheme, 'User', { email: '  A@B.C ' }, one)).toEqual({ emailHash: h('a@b.c') });
  });

  test('equals', () => {
    expect(rewriteWhere(scheme, 'User', { email: { equals: 'a' } }, one)).toEqual({ emailHash: { equals: h('a') } });
  });

  test('in and notIn: one index per value', () => {
    expect(rewriteWhere(scheme, 'User', { email: { in: ['a', 'b'] } }, one)).toEqual({ emailHash: { in: [h('a'), h('b')] } });
    expect(rewriteWhere(scheme, 'User', { email: { notIn: ['a', 'b'] } }, one)).toEqual({ emailHash: { notIn: [h('a'), h('b')] } });
  });

  test('in with a single value (Prisma accepts a scalar) and an empty list', () => {
    expect(rewriteWhere(scheme, 'User', { email: { in: 'a' } }, one)).toEqual({ emailHash: { in: [h('a')] } });
    expect(rewriteWhere(scheme, 'User', { email: { in: [] } }, one)).toEqual({ emailHash: { in: [] } });
  });

  test('not with a value, and not with a nested filter', () => {
    expect(rewriteWhere(scheme, 'User', { email: { not: 'a' } }, one)).toEqual({ emailHash: { not: h('a') } });
    expect(rewriteWhere(scheme, 'User', { email: { not: { equals: 'a' } } }, one)).toEqual({ emailHash: { not: { equals: h('a') } } });
    expect(rewriteWhere(scheme, 'User', { email: { not: { in: ['a', 'b'] } } }, one)).toEqual({ emailHash: { not: { in: [h('a'), h('b')] } } });
  });

  test('several operators on one field are all kept (ANDed)', () => {
    expect(rewriteWhere(scheme, 'User', { email: { in: ['a', 'b'], not: 'b' } }, one)).toEqual({
      AND: [{ emailHash: { in: [h('a'), h('b')] } }, { emailHash: { not: h('b') } }],
    });
  });

  test("mode: 'default' is accepted and dropped", () => {
    expect(rewriteWhere(scheme, 'User', { email: { equals: 'a', mode: 'default' } }, one)).toEqual({ emailHash: { equals: h('a') } });
  });

  test('undefined operands and undefined fields filter nothing, as in Prisma', () => {
    expect(rewriteWhere(scheme, 'User', { email: { equals: undefined }, role: undefined }, one)).toEqual({ role: undefined });
  });
});

describe('rewriteWhere: several key versions held (rotation in progress)', () => {
  test('equality looks for every version, current first', () => {
    expect(rewriteWhere(scheme, 'User', { email: 'a' }, two)).toEqual({ emailHash: { in: [h('a', 2), h('a', 1)] } });
    expect(rewriteWhere(scheme, 'User', { email: { equals: 'a' } }, two)).toEqual({ emailHash: { in: [h('a', 2), h('a', 1)] } });
  });

  test('in and notIn list every version of every value', () => {
    expect(rewriteWhere(scheme, 'User', { email: { in: ['a', 'b'] } }, two)).toEqual({ emailHash: { in: [h('a', 2), h('a', 1), h('b', 2), h('b', 1)] } });
    expect(rewriteWhere(scheme, 'User', { email: { notIn: ['a'] } }, two)).toEqual({ emailHash: { notIn: [h('a', 2), h('a', 1)] } });
  });

  test('not excludes every version', () => {
    expect(rewriteWhere(scheme, 'User', { email: { not: 'a' } }, two)).toEqual({ emailHash: { notIn: [h('a', 2), h('a', 1)] } });
    expect(rewriteWhere(scheme, 'User', { email: { not: { equals: 'a' } } }, two)).toEqual({ emailHash: { not: { in: [h('a', 2), h('a', 1)] } } });
  });
});

describe('rewriteWhere: null checks stay on the field', () => {
  test.each([
    [{ email: null }],
    [{ email: { equals: null } }],
    [{ email: { not: null } }],
    [{ name: null }],
    [{ name: { not: null } }],
  ])('%j is unchanged', (where) => {
    expect(rewriteWhere(scheme, 'User', where, one)).toEqual(where);
  });

  test('a null check and a value comparison on one field split between the field and its index', () => {
    expect(rewriteWhere(scheme, 'User', { email: { not: null, notIn: ['a'] } }, one)).toEqual({
      AND: [{ email: { not: null } }, { emailHash: { notIn: [h('a')] } }],
    });
  });

  test('a negated filter mixing null and a value stays one negation', () => {
    expect(rewriteWhere(scheme, 'User', { email: { not: { equals: null, in: ['a'] } } }, one)).toEqual({
      NOT: { AND: [{ email: { equals: null } }, { emailHash: { in: [h('a')] } }] },
    });
  });
});

describe('rewriteWhere: logic and relations', () => {
  test('AND, OR and NOT as objects and arrays, nested', () => {
    const where = {
      AND: [{ email: 'a' }, { OR: [{ email: 'b' }, { role: 'admin' }] }],
      OR: [{ NOT: { email: 'c' } }],
      NOT: [{ email: 'd' }, { role: 'x' }],
    };
    expect(rewriteWhere(scheme, 'User', where, one)).toEqual({
      AND: [{ emailHash: h('a') }, { OR: [{ emailHash: h('b') }, { role: 'admin' }] }],
      OR: [{ NOT: { emailHash: h('c') } }],
      NOT: [{ emailHash: h('d') }, { role: 'x' }],
    });
    expect(rewriteWhere(scheme, 'User', { AND: { email: 'a' }, NOT: { email: 'b' } }, one)).toEqual({ AND: { emailHash: h('a') }, NOT: { emailHash: h('b') } });
  });

  test('to-many relation filters: some, every, none follow the relation to the related model', () => {
    const where = { posts: { some: { comments: { some: { text: 'hi' } } }, every: { title: 't' }, none: { comments: { every: { text: 'x' } } } } };
    expect(rewriteWhere(scheme, 'User', where, one)).toEqual({
      posts: {
        some: { comments: { some: { textHash: 'v1:Comment.text:hi' } } },
        every: { title: 't' },
        none: { comments: { every: { textHash: 'v1:Comment.text:x' } } },
      },
    });
  });

  test('to-one relation filters: is, isNot, the shorthand, and null', () => {
    expect(rewriteWhere(scheme, 'User', { profile: { is: { ssn: '1' } } }, one)).toEqual({ profile: { is: { ssnHash: 'v1:Profile.ssn:1' } } });
    expect(rewriteWhere(scheme, 'User', { profile: { isNot: { ssn: '1' } } }, one)).toEqual({ profile: { isNot: { ssnHash: 'v1:Profile.ssn:1' } } });
    expect(rewriteWhere(scheme, 'User', { profile: { ssn: '1' } }, one)).toEqual({ profile: { ssnHash: 'v1:Profile.ssn:1' } });
    expect(rewriteWhere(scheme, 'User', { profile: null }, one)).toEqual({ profile: null });
    expect(rewriteWhere(scheme, 'User', { profile: { is: null } }, one)).toEqual({ profile: { is: null } });
    expect(rewriteWhere(scheme, 'Profile', { user: { email: 'a' } }, one)).toEqual({ user: { emailHash: h('a') } });
  });

  test('a field the caller also filters by its index column does not clobber it', () => {
    expect(rewriteWhere(scheme, 'User', { email: 'a', emailHash: { not: null } }, one)).toEqual({ emailHash: { not: null }, AND: [{ emailHash: h('a') }] });
    expect(rewriteWhere(scheme, 'User', { AND: [{ role: 'x' }], email: { in: ['a'], not: 'b' } }, one)).toEqual({
      AND: [{ role: 'x' }, { emailHash: { in: [h('a')] } }, { emailHash: { not: h('b') } }],
    });
  });

  test('returns a copy: the caller where is never changed', () => {
    const where = { AND: [{ email: 'a' }], posts: { some: { comments: { some: { text: 'x' } } } } };
    const before = JSON.parse(JSON.stringify(where));
    rewriteWhere(scheme, 'User', where, one);
    expect(where).toEqual(before);
  });

  test('models and fields without an index pass through unchanged', () => {
    const where = { title: { contains: 'x' }, author: { role: 'admin' } };
    expect(rewriteWhere(scheme, 'Post', where, one)).toEqual(where);
    expect(rewriteWhere(scheme, 'User', undefined, one)).toBeUndefined();
  });

  test('takes any schema of the IndexedSchema shape, not only a built scheme', () => {
    const minimal = { model: (name: string) => scheme.model(name) };
    expect(rewriteWhere(minimal, 'User', { profile: { ssn: '1' } }, one)).toEqual({ profile: { ssnHash: 'v1:Profile.ssn:1' } });
  });
});

describe('rewriteWhere: refused queries', () => {
  test.each(['contains', 'startsWith', 'endsWith', 'gt', 'gte', 'lt', 'lte', 'search'])('%s on an indexed field is UNSUPPORTED_QUERY naming model, field and operator', (operator) => {
    const e = thrown(() => rewriteWhere(scheme, 'User', { email: { [operator]: 'a' } }, one));
    expect(e).toBeInstanceOf(UnsupportedQueryError);
    expect(e).toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, model: 'User', field: 'email', operator });
  });

  test("mode: 'insensitive' is refused (declare a lowercase normalization instead)", () => {
    expect(thrown(() => rewriteWhere(scheme, 'User', { email: { equals: 'a', mode: 'insensitive' } }, one))).toMatchObject({ operator: 'mode' });
  });

  test('equality on an encrypted field without an index is refused, at any depth', () => {
    expect(thrown(() => rewriteWhere(scheme, 'User', { name: 'Ann' }, one))).toMatchObject({ model: 'User', field: 'name', operator: 'equals' });
    expect(thrown(() => rewriteWhere(scheme, 'User', { posts: { some: { body: { in: ['x'] } } } }, one))).toMatchObject({ model: 'Post', field: 'body', operator: 'in' });
  });

  test('an unsupported operator inside not is refused', () => {
    expect(thrown(() => rewriteWhere(scheme, 'User', { email: { not: { contains: 'a' } } }, one))).toMatchObject({ operator: 'contains' });
  });

  test('values that are not strings are INVALID_FIELD_VALUE with their type, never their value', () => {
    for (const where of [{ email: 42 }, { email: { equals: new Date(0) } }, { email: { in: ['a', 7] } }, { email: { in: [null] } }, { email: { not: true } }, { email: ['a'] }]) {
      const e = thrown(() => rewriteWhere(scheme, 'User', where, one));
      expect(e).toBeInstanceOf(InvalidFieldValueError);
      expect(isPrismaKmsError(e) && e.code).toBe(PrismaKmsErrorCode.INVALID_FIELD_VALUE);
      expect((e as Error).message).not.toMatch(/42|1970/);
    }
  });

  test('a field reference (prisma.user.fields.x) is refused: ciphertexts cannot be compared column to column', () => {
    class FieldRefImpl { constructor(readonly modelName: string, readonly name: string) {} }
    expect(thrown(() => rewriteWhere(scheme, 'User', { email: { equals: new FieldRefImpl('User', 'role') } }, one))).toMatchObject({ received: 'FieldRefImpl' });
  });
});

describe('rewriteWhere: truncated indexes', () => {
  const p = (value: string) => `v1:User.phone:${value}`;

  test('equality on a truncated index is rewritten (false positives are removed by postFilter)', () => {
    expect(rewriteWhere(scheme, 'User', { phone: '555', OR: [{ phone: { in: ['1'] } }] }, one)).toEqual({ phoneHash: p('555'), OR: [{ phoneHash: { in: [p('1')] } }] });
  });

  test.each([
    ['not', { phone: { not: '555' } }],
    ['notIn', { phone: { notIn: ['555'] } }],
    ['equals', { NOT: { phone: '555' } }],
    ['equals', { phone: { not: { equals: '555' } } }],
    ['equals', { posts: { none: { author: { phone: '555' } } } }],
    ['equals', { profile: { isNot: { user: { phone: '555' } } } }],
  ])('a negation (%s) on a truncated index is refused: it could silently drop rows', (operator, where) => {
    const e = thrown(() => rewriteWhere(scheme, 'User', where, one));
    expect(e).toBeInstanceOf(TruncatedIndexNegationError);
    expect(e).toMatchObject({ code: PrismaKmsErrorCode.UNSUPPORTED_QUERY, model: 'User', field: 'phone', operator });
  });

  test('a double negation is positive again, and null checks under a negation are fine', () => {
    expect(rewriteWhere(scheme, 'User', { NOT: { phone: { not: '5' } } }, one)).toEqual({ NOT: { phoneHash: { not: p('5') } } });
    expect(rewriteWhere(scheme, 'User', { NOT: { phone: null } }, one)).toEqual({ NOT: { phone: null } });
  });

  test('negations on a full-length index are fine', () => {
    expect(rewriteWhere(scheme, 'User', { NOT: { email: 'a' }, posts: { none: { comments: { some: { text: 'x' } } } } }, one)).toEqual({
      NOT: { emailHash: h('a') },
      posts: { none: { comments: { some: { textHash: 'v1:Comment.text:x' } } } },
    });
  });
});

describe('rewriteWhere with plaintextFallback (lenient mode: rows not yet encrypted, issue 10 blocker 3)', () => {
  const lenient = { plaintextFallback: true };
  const plain = (field: string, values: string[], operator: 'in' | 'notIn' = 'in') => ({ emailHash: null, [field]: { [operator]: values } });

  test('an equality also matches a row whose index is NULL and whose column holds the value as given or normalized', () => {
    expect(rewriteWhere(scheme, 'User', { email: ' A@B.c ' }, one, lenient)).toEqual({ OR: [{ emailHash: h('a@b.c') }, plain('email', [' A@B.c ', 'a@b.c'])] });
    expect(rewriteWhere(scheme, 'User', { email: { equals: 'a' } }, one, lenient)).toEqual({ OR: [{ emailHash: { equals: h('a') } }, plain('email', ['a'])] });
  });

  test('every key version, in, and the negations (a not-yet-indexed row whose plaintext differs)', () => {
    expect(rewriteWhere(scheme, 'User', { email: 'a' }, two, lenient)).toEqual({ OR: [{ emailHash: { in: [h('a', 2), h('a', 1)] } }, plain('email', ['a'])] });
    expect(rewriteWhere(scheme, 'User', { email: { in: ['a', 'B'] } }, one, lenient)).toEqual({ OR: [{ emailHash: { in: [h('a'), h('b')] } }, plain('email', ['a', 'B', 'b'])] });
    expect(rewriteWhere(scheme, 'User', { email: { not: 'a' } }, one, lenient)).toEqual({ OR: [{ emailHash: { not: h('a') } }, plain('email', ['a'], 'notIn')] });
    expect(rewriteWhere(scheme, 'User', { email: { notIn: ['a'] } }, one, lenient)).toEqual({ OR: [{ emailHash: { notIn: [h('a')] } }, plain('email', ['a'], 'notIn')] });
  });

  test('a nested not over a fallback is negated as a whole, not in place', () => {
    expect(rewriteWhere(scheme, 'User', { email: { not: { equals: 'a' } } }, one, lenient)).toEqual({ NOT: { AND: [{ OR: [{ emailHash: { equals: h('a') } }, plain('email', ['a'])] }] } });
  });

  test("the caller's own OR is kept: the fallback goes into AND", () => {
    expect(rewriteWhere(scheme, 'User', { OR: [{ role: 'a' }], email: 'a' }, one, lenient)).toEqual({
      OR: [{ role: 'a' }],
      AND: [{ OR: [{ emailHash: h('a') }, plain('email', ['a'])] }],
    });
  });

  test('null checks and strict mode are unchanged', () => {
    expect(rewriteWhere(scheme, 'User', { email: null }, one, lenient)).toEqual({ email: null });
    expect(rewriteWhere(scheme, 'User', { email: 'a' }, one)).toEqual({ emailHash: h('a') });
  });
});
