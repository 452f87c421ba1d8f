import { dialectFor } from './dialect';
import type { UpdateBatchSpec } from './dialect';

const compositeUpdate: UpdateBatchSpec = {
  table: 'audit_entries',
  key: [{ column: 'tenant', sqlType: 'text' }, { column: 'seq', sqlType: 'integer' }],
  columns: [{ column: 'payload', guarded: true }, { column: 'payload_hash', guarded: false }],
  rows: [
    { key: ['acme', 1], changes: [{ next: 'N1', previous: 'P1' }, { next: 'H1' }] },
    { key: ['acme', 2], changes: [null, null] },
  ],
};

describe('dialectFor', () => {
  it('knows postgresql, sqlite and mysql (and mariadb as mysql)', () => {
    expect(dialectFor('postgresql').provider).toBe('postgresql');
    expect(dialectFor('sqlite').provider).toBe('sqlite');
    expect(dialectFor('mariadb').provider).toBe('mysql');
  });

  it('refuses a provider it has no SQL for, with a code', () => {
    expect(() => dialectFor('sqlserver')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PROVIDER' }));
  });
});

describe.each(['postgresql', 'sqlite', 'mysql'])('%s SQL', (provider) => {
  const dialect = dialectFor(provider);

  it('reads a batch by keyset pagination, never OFFSET, in key order', () => {
    const first = dialect.selectBatch({ table: 'users', key: [{ column: 'id' }], columns: ['name', 'email'], after: null, limit: 500 });
    expect(first.sql).not.toMatch(/OFFSET/i);
    expect(first.sql).toMatch(/ORDER BY .id. LIMIT 500$/);
    expect(first.params).toEqual([]);
    const next = dialect.selectBatch({ table: 'users', key: [{ column: 'id' }], columns: ['name'], after: [41], limit: 500 });
    expect(next.sql).toMatch(/WHERE .id. > (\$1|\?)/);
    expect(next.params).toEqual([41]);
  });

  it('pages a composite key after both key parts', () => {
    const statement = dialect.selectBatch({ table: 't', key: [{ column: 'a' }, { column: 'b' }], columns: ['c'], after: ['x', 7], limit: 10 });
    expect(statement.sql).toMatch(/ORDER BY .a., .b. LIMIT 10$/);
    expect(statement.params).toContain('x');
    expect(statement.params).toContain(7);
  });

  it('takes a SQL shard by a non-negative modulo of the key', () => {
    const statement = dialect.selectBatch({ table: 't', key: [{ column: 'id' }], columns: ['c'], after: null, limit: 10, shard: { index: 2, count: 3 } });
    expect(statement.sql).toContain('((("id" % 3) + 3) % 3) = 2'.replace(/"/g, provider === 'mysql' ? '`' : '"'));
  });

  it('writes one UPDATE per batch whose WHERE checks the value read (compare-and-set)', () => {
    const statement = dialect.updateBatch(compositeUpdate);
    expect(statement.sql.match(/UPDATE/g)).toHaveLength(1);
    // key, key, next, previous for each row (only next for the unguarded index); nulls keep the column
    expect(statement.params).toEqual(['acme', 1, 'N1', 'P1', 'H1', 'acme', 2, null, null, null]);
    expect(statement.sql).not.toMatch(/payload_hash.{0,40}(IS NOT DISTINCT|BINARY\))/);
    expect(statement.sql).toMatch(/COALESCE/);
    expect(statement.sql).toMatch(provider === 'postgresql' ? /IS NOT DISTINCT FROM v\.o0/ : provider === 'sqlite' ? /IS v\.o0 COLLATE BINARY/ : /CAST\(v\.o0 AS BINARY\)/);
  });

  it('compares a guard-only column on every row without writing it, and guards null-safely', () => {
    const statement = dialect.updateBatch({
      table: 'users',
      key: [{ column: 'id', sqlType: 'integer' }],
      columns: [{ column: 'email', guarded: true, written: false }, { column: 'email_hash', guarded: true }],
      rows: [{ key: [7], changes: [{ previous: 'CT' }, { next: 'v2$x', previous: null }] }],
    });
    // no next for the guard-only column: key, previous email, next hash, previous hash (NULL)
    expect(statement.params).toEqual([7, 'CT', 'v2$x', null]);
    const q = provider === 'mysql' ? '`' : '"';
    expect(statement.sql).not.toMatch(new RegExp(`${q}email${q} = `));
    expect(statement.sql).toMatch(/v\.n1 IS NULL OR/);
    expect(statement.sql).not.toMatch(/v\.n0/);
    expect(statement.sql).toMatch(provider === 'postgresql' ? /IS NOT DISTINCT FROM v\.o1/ : provider === 'sqlite' ? /IS v\.o1 COLLATE BINARY/ : /<=> CAST\(v\.o1 AS BINARY\)/);
  });

  it('compares a scope column as text, so an Int or BigInt scope matches the decimal string read', () => {
    const statement = dialect.updateBatch({
      table: 'members',
      key: [{ column: 'id', sqlType: 'integer' }],
      columns: [{ column: 'email', guarded: true }, { column: 'tenant_id', guarded: true, written: false, asText: true }],
      rows: [{ key: [7], changes: [{ next: 'NEW', previous: 'OLD' }, { previous: '42' }] }],
    });
    expect(statement.params).toEqual([7, 'NEW', 'OLD', '42']);
    const q = provider === 'mysql' ? '`' : '"';
    const cast = { postgresql: 'text', sqlite: 'TEXT', mysql: 'CHAR' }[provider]!;
    expect(statement.sql).toContain(`CAST(t.${q}tenant_id${q} AS ${cast})`);
    expect(statement.sql).not.toMatch(new RegExp(`${q}tenant_id${q} = `)); // compared, never written
  });

  it('quotes identifiers, doubling the quote character', () => {
    const q = provider === 'mysql' ? '`' : '"';
    expect(dialect.quote(`we${q}ird`)).toBe(`${q}we${q}${q}ird${q}`);
  });
});

describe('postgresql SQL', () => {
  it('casts key parameters in VALUES to the key column type', () => {
    const statement = dialectFor('postgresql').updateBatch(compositeUpdate);
    expect(statement.sql).toContain('($1::text, $2::integer, $3::text, $4::text, $5::text)');
    expect(statement.sql).toContain('AS v(k0, k1, n0, o0, n1)');
  });
});

describe('mysql SQL', () => {
  it('expands a composite keyset comparison (no row values)', () => {
    const statement = dialectFor('mysql').selectBatch({ table: 't', key: [{ column: 'a' }, { column: 'b' }], columns: ['c'], after: ['x', 7], limit: 10 });
    expect(statement.sql).toContain('((`a` > ?) OR (`a` = ? AND `b` > ?))');
    expect(statement.params).toEqual(['x', 'x', 7]);
  });
});
