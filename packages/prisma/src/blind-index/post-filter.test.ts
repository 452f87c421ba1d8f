import { isApproximate, postFilter, postFilterFields } from './post-filter';
import { rewriteWhere } from './where-rewrite';
import { scheme, testIndexer } from './__tests__/fixture';

// phone has an 8-byte (truncated) index in the fixture; this indexer keeps only the first character of
// a truncated index, so '555-1234' and '5' and '555-9999' all collide.
const colliding = testIndexer({ collideAfter: 1 });

const rows = [
  { id: 1, phone: '555-1234', email: 'a@x', role: 'admin' },
  { id: 2, phone: '555-9999', email: 'b@x', role: 'member' },
  { id: 3, phone: null, email: 'c@x', role: 'member' },
];

describe('forced collisions on a truncated index', () => {
  test('the rewritten where matches colliding values (what the database would return)', () => {
    expect(rewriteWhere(scheme, 'User', { phone: '555-1234' }, colliding)).toEqual({ phoneHash: 'v1:User.phone:5' });
    expect(colliding.compute({ model: 'User', field: 'phone' }, '555-9999', { normalize: [], bytes: 8 })).toBe('v1:User.phone:5');
  });

  test('postFilter drops the false positive and keeps the real match', () => {
    const fromDatabase = rows.slice(0, 2); // both share the index of '555-1234'
    expect(postFilter(scheme, 'User', { phone: '555-1234' }, fromDatabase, colliding).map((r) => r.id)).toEqual([1]);
  });
});

describe('postFilter', () => {
  // What the database returns for a phone equality: the rows whose index collides (never the NULL one).
  const keep = (where: Record<string, unknown>, candidates = rows.slice(0, 2)) => postFilter(scheme, 'User', where, candidates, colliding).map((r) => r.id);

  test('equals, in, and a filter that matches nothing real', () => {
    expect(keep({ phone: { equals: '555-9999' } })).toEqual([2]);
    expect(keep({ phone: { in: ['555-9999', '555-1234'] } })).toEqual([1, 2]);
    expect(keep({ phone: '5' })).toEqual([]);
  });

  test('combined with conditions it cannot evaluate (other columns): drops only definite mismatches', () => {
    expect(keep({ phone: '555-1234', role: 'member' })).toEqual([1]); // role is unknown here: row 1 kept, row 2 dropped by phone
    expect(keep({ OR: [{ phone: '555-1234' }, { role: 'member' }] }, rows)).toEqual([1, 2, 3]); // OR with an unknown: nothing provably false
    expect(keep({ OR: [{ phone: '555-1234' }, { phone: '555-0000' }] })).toEqual([1]);
    expect(keep({ AND: [{ phone: '555-1234' }, { OR: [{ email: 'a@x' }] }] })).toEqual([1]);
  });

  test('values are compared after the index normalization', () => {
    const normalizedRows = [{ id: 1, phone: '555-1234', email: 'Ann@Example.com' }];
    // email is full-length here: only truncated indexes make a where approximate
    expect(postFilter(scheme, 'User', { email: 'ann@example.com' }, normalizedRows, colliding)).toEqual(normalizedRows);
  });

  test("null semantics are SQL's: a comparison with NULL is unknown (kept), `phone: null` is known", () => {
    expect(keep({ phone: '555-1234' }, [rows[2]!])).toEqual([3]);
    expect(keep({ NOT: { phone: { in: ['6'] } } }, [rows[2]!])).toEqual([3]);
    expect(keep({ AND: [{ phone: null }, { phone: { in: ['5'] } }] }, [rows[0]!])).toEqual([]);
  });

  test('a row without the field (not selected) is kept: nothing is known about it', () => {
    expect(postFilter(scheme, 'User', { phone: '555-1234' }, [{ id: 2 }], colliding)).toEqual([{ id: 2 }]);
  });

  test('relation filters are not evaluated (related rows may not be loaded): rows are kept', () => {
    expect(keep({ profile: { user: { phone: '555-1234' } } }, rows)).toEqual([1, 2, 3]);
  });

  test('full-length indexes and where without indexes: rows returned as they are (a copy)', () => {
    const input = rows.slice();
    const output = postFilter(scheme, 'User', { email: 'zzz' }, input, colliding);
    expect(output).toEqual(rows);
    expect(output).not.toBe(input);
    expect(postFilter(scheme, 'User', undefined, rows, colliding)).toEqual(rows);
  });

  test('never drops a row the original where matches (property over many random wheres)', () => {
    const values = ['555-1234', '555-9999', '5', '6', null];
    const pick = (i: number) => values[i % values.length];
    for (let seed = 0; seed < 500; seed++) {
      const a = pick(seed);
      const b = pick(seed >> 2);
      const where =
        seed % 3 === 0 ? { OR: [{ phone: a }, { phone: { in: [b ?? '6'] } }] } : seed % 3 === 1 ? { AND: [{ phone: { equals: a } }], role: 'member' } : { NOT: { phone: { not: a ?? '7' } } };
      for (const row of rows) {
        const matches = exactMatch(where, row);
        if (matches) expect(keep(where, [row])).toEqual([row.id]);
      }
    }
  });
});

/** A plain, independent evaluator of the wheres the property test builds, on one row. */
function exactMatch(where: Record<string, unknown>, row: (typeof rows)[number]): boolean {
  const eq = (v: unknown) => (v === null ? row.phone === null : row.phone !== null && row.phone === v);
  if ('OR' in where) return (where.OR as Record<string, unknown>[]).some((w) => exactMatch(w, row));
  if ('AND' in where) return (where.AND as Record<string, unknown>[]).every((w) => exactMatch(w, row)) && row.role === where.role;
  if ('NOT' in where) {
    const inner = (where.NOT as { phone: { not: string } }).phone.not;
    return row.phone !== null && row.phone === inner;
  }
  const phone = where.phone as unknown;
  if (phone !== null && typeof phone === 'object') {
    const f = phone as { equals?: unknown; in?: unknown[] };
    if ('equals' in f) return eq(f.equals);
    return (f.in ?? []).some(eq);
  }
  return eq(phone);
}

describe('isApproximate and postFilterFields', () => {
  test('approximate only when a truncated index compares a value, at any depth', () => {
    expect(isApproximate(scheme, 'User', { phone: '5' })).toBe(true);
    expect(isApproximate(scheme, 'User', { AND: [{ OR: [{ phone: { in: ['5'] } }] }] })).toBe(true);
    expect(isApproximate(scheme, 'Post', { author: { is: { phone: '5' } } })).toBe(true);
    expect(isApproximate(scheme, 'Profile', { user: { phone: '5' } })).toBe(true);
    expect(isApproximate(scheme, 'User', { phone: null })).toBe(false);
    expect(isApproximate(scheme, 'User', { phone: { not: null } })).toBe(false);
    expect(isApproximate(scheme, 'User', { email: 'a', role: 'x' })).toBe(false);
    expect(isApproximate(scheme, 'User', undefined)).toBe(false);
  });

  test('the own fields postFilter must see in each row', () => {
    expect(postFilterFields(scheme, 'User', { OR: [{ phone: '5' }, { email: 'a' }], NOT: [{ role: 'x' }] })).toEqual(['phone']);
    expect(postFilterFields(scheme, 'User', { profile: { user: { phone: '5' } } })).toEqual([]);
  });
});
