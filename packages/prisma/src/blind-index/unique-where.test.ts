import { planUniqueWhere, primaryKeyWhere } from './unique-where';
import { fieldMap, scheme, testIndexer } from './__tests__/fixture';

const one = testIndexer();
const two = testIndexer({ versions: [2, 1] });
const h = (value: string, version = 1) => `v${version}:User.email:${value}`;

describe('planUniqueWhere', () => {
  test('findUnique by an encrypted field with a @unique index: one candidate on the index column', () => {
    expect(planUniqueWhere(scheme, 'User', { email: 'A@b.c' }, one)).toEqual({ candidates: [{ emailHash: h('a@b.c') }], approximate: false });
    expect(planUniqueWhere(scheme, 'User', { email: { equals: 'a' } }, one).candidates).toEqual([{ emailHash: h('a') }]);
  });

  test('with several key versions held: one candidate per version, current first, each a plain unique value (never `in`)', () => {
    expect(planUniqueWhere(scheme, 'User', { email: 'a' }, two).candidates).toEqual([{ emailHash: h('a', 2) }, { emailHash: h('a', 1) }]);
  });

  test('extra filters of a where-unique are kept and rewritten', () => {
    expect(planUniqueWhere(scheme, 'User', { email: 'a', role: 'admin', profile: { ssn: '1' } }, two).candidates).toEqual([
      { emailHash: h('a', 2), role: 'admin', profile: { ssnHash: { in: ['v2:Profile.ssn:1', 'v1:Profile.ssn:1'] } } },
      { emailHash: h('a', 1), role: 'admin', profile: { ssnHash: { in: ['v2:Profile.ssn:1', 'v1:Profile.ssn:1'] } } },
    ]);
  });

  test('unique by id with a filter on an indexed field: the filter may use `in`, one candidate', () => {
    expect(planUniqueWhere(scheme, 'User', { id: 7, email: { in: ['a'] } }, two).candidates).toEqual([{ id: 7, emailHash: { in: [h('a', 2), h('a', 1)] } }]);
  });

  test('a non-unique index is a filter, not a unique key', () => {
    expect(planUniqueWhere(scheme, 'Comment', { id: 1, text: 'x' }, two).candidates).toEqual([{ id: 1, textHash: { in: ['v2:Comment.text:x', 'v1:Comment.text:x'] } }]);
  });

  test('two unique indexed fields across versions: every combination, current versions first', () => {
    const model = {
      model: (name: string) => {
        const user = scheme.model(name);
        const phone = user.encrypted.get('phone')!;
        return { ...user, encrypted: new Map([...user.encrypted, ['phone', { ...phone, hash: { ...phone.hash!, unique: true } }]]) };
      },
    };
    const plan = planUniqueWhere(model, 'User', { email: 'a', phone: '5' }, two);
    expect(plan.candidates).toEqual([
      { emailHash: h('a', 2), phoneHash: 'v2:User.phone:5' },
      { emailHash: h('a', 2), phoneHash: 'v1:User.phone:5' },
      { emailHash: h('a', 1), phoneHash: 'v2:User.phone:5' },
      { emailHash: h('a', 1), phoneHash: 'v1:User.phone:5' },
    ]);
    expect(plan.approximate).toBe(true);
  });

  test('a caller filter on the index column itself moves into AND instead of being overwritten', () => {
    expect(planUniqueWhere(scheme, 'User', { email: 'a', emailHash: { not: null } }, one).candidates).toEqual([{ emailHash: h('a'), AND: [{ emailHash: { not: null } }] }]);
  });

  test('no encrypted field: the where is returned as one candidate', () => {
    expect(planUniqueWhere(scheme, 'User', { id: 1 }, two)).toEqual({ candidates: [{ id: 1 }], approximate: false });
  });

  test('approximate when a truncated index is involved', () => {
    expect(planUniqueWhere(scheme, 'User', { id: 1, phone: '5' }, one)).toEqual({ candidates: [{ id: 1, phoneHash: 'v1:User.phone:5' }], approximate: true });
  });

  test('the same planner serves connect, connectOrCreate.where, upsert.where and cursor (all where-unique inputs)', () => {
    const connect = { ssn: '078-05-1120' };
    expect(planUniqueWhere(scheme, 'Profile', connect, one).candidates).toEqual([{ ssnHash: 'v1:Profile.ssn:078-05-1120' }]);
    expect(connect).toEqual({ ssn: '078-05-1120' });
  });

  test('a query the index cannot answer is refused as in rewriteWhere', () => {
    expect(() => planUniqueWhere(scheme, 'User', { email: { contains: 'a' } }, one)).toThrow(expect.objectContaining({ operator: 'contains' }));
    expect(() => planUniqueWhere(scheme, 'User', { id: 1, name: 'x' }, one)).toThrow(expect.objectContaining({ field: 'name' }));
  });
});

describe('primaryKeyWhere', () => {
  test('single primary key', () => {
    expect(primaryKeyWhere(fieldMap.models.User!, { id: 7, email: 'x' })).toEqual({ id: 7 });
  });

  test('compound primary key under its where-unique name', () => {
    expect(primaryKeyWhere(fieldMap.models.AuditEntry!, { tenant: 'a', seq: 2, payload: 'p' })).toEqual({ tenant_seq: { tenant: 'a', seq: 2 } });
  });

  test('undefined when the row lacks a key field or the model has no primary key', () => {
    expect(primaryKeyWhere(fieldMap.models.AuditEntry!, { tenant: 'a' })).toBeUndefined();
    expect(primaryKeyWhere({ primaryKey: [], uniques: {} }, { id: 1 })).toBeUndefined();
  });
});

describe('planUniqueWhere with plaintextFallback (lenient mode)', () => {
  test('a last candidate names a row not yet encrypted: index NULL, plaintext as given or normalized', () => {
    expect(planUniqueWhere(scheme, 'User', { email: ' A@b.c' }, one, { plaintextFallback: true }).candidates).toEqual([
      { emailHash: h('a@b.c') },
      { emailHash: null, email: { in: [' A@b.c', 'a@b.c'] } },
    ]);
    expect(planUniqueWhere(scheme, 'User', { email: 'a' }, two, { plaintextFallback: true }).candidates).toEqual([
      { emailHash: h('a', 2) },
      { emailHash: h('a', 1) },
      { emailHash: null, email: { in: ['a'] } },
    ]);
  });
});
