import type { ReadRow } from './plan-batch';
import { buildReindexWrite, planReindex } from './plan-reindex';
import type { TableTarget } from './table-target';
import type { ValueState } from './value-state';

const target: TableTarget = {
  model: 'User',
  table: 'users',
  primaryKey: [{ field: 'id', column: 'id', type: 'Int' }],
  encrypted: [
    { field: 'name', column: 'name', type: 'String' },
    { field: 'email', column: 'email', type: 'String', blindIndex: { column: 'email_hash', normalize: ['lowercase'] } },
  ],
};

const classify = (value: string | null): ValueState => {
  if (value === null) return { kind: 'null' };
  if (value.startsWith('CT')) return { kind: 'current' };
  if (value.startsWith('BAD')) return { kind: 'malformed', reason: 'truncated' };
  return { kind: 'plaintext' };
};
const isCurrent = (_column: number, stored: string): boolean => stored.startsWith('v2$');

const rows: ReadRow[] = [
  { key: [1], values: ['n1', 'CT-a'], indexes: [null, 'v1$old'] }, // stale: recompute from ciphertext
  { key: [2], values: ['n2', 'CT-b'], indexes: [null, 'v2$cur'] }, // current: skipped without decrypting
  { key: [3], values: ['n3', 'plain@c'], indexes: [null, null] }, // still plaintext, never indexed
  { key: [4], values: ['n4', null], indexes: [null, null] }, // null: nothing to index
  { key: [5], values: ['n5', 'BAD-e'], indexes: [null, 'v1$x'] }, // damaged: reported, left alone
];

describe('planReindex', () => {
  it('recomputes stale and missing entries, skips current ones and nulls, reports malformed values', () => {
    const plan = planReindex(target, rows, classify, { full: false, isCurrent });
    expect(plan.work).toEqual([
      { row: 0, column: 1, action: 'index-ciphertext', value: 'CT-a' },
      { row: 2, column: 1, action: 'index-plaintext', value: 'plain@c' },
    ]);
    expect(plan.malformed).toEqual([{ row: 4, column: 1, reason: 'truncated' }]);
  });

  it('--full recomputes current entries too; never touches a column without an index', () => {
    const plan = planReindex(target, rows, classify, { full: true, isCurrent });
    expect(plan.work.map((w) => w.row)).toEqual([0, 1, 2]);
    expect(plan.work.every((w) => w.column === 1)).toBe(true);
  });
});

describe('buildReindexWrite', () => {
  const plan = planReindex(target, rows, classify, { full: true, isCurrent });
  const compute = (_column: number, plaintext: string): string => (plaintext === 'b' ? 'v2$cur' : `v2$${plaintext}`);

  it('writes only entries that differ, guarded on the index read (null-safe) and on every encrypted value read', () => {
    const outcomes = [{ ok: true as const, value: 'a' }, { ok: true as const, value: 'b' }, { ok: true as const, value: 'plain@c' }];
    const write = buildReindexWrite(target, rows, plan.work, outcomes, compute);
    expect(write.columns).toEqual([
      { column: 'name', guarded: true, written: false },
      { column: 'email', guarded: true, written: false },
      { column: 'email_hash', guarded: true },
    ]);
    expect(write.rows).toEqual([
      { key: [1], changes: [{ previous: 'n1' }, { previous: 'CT-a' }, { next: 'v2$a', previous: 'v1$old' }] },
      { key: [3], changes: [{ previous: 'n3' }, { previous: 'plain@c' }, { next: 'v2$plain@c', previous: null }] },
    ]);
    expect(write.failed).toEqual([]);
  });

  it('reports values that do not decrypt and writes nothing for them', () => {
    const outcomes = [{ ok: false as const, code: 'PRISMA_KMS_DECRYPTION_FAILED' }, { ok: true as const, value: 'b' }, { ok: true as const, value: 'plain@c' }];
    const write = buildReindexWrite(target, rows, plan.work, outcomes, compute);
    expect(write.failed).toEqual([{ row: 0, column: 1, code: 'PRISMA_KMS_DECRYPTION_FAILED' }]);
    expect(write.rows.map((r) => r.key)).toEqual([[3]]);
  });

  it('Precondition: one outcome per planned value', () => {
    expect(() => buildReindexWrite(target, rows, plan.work, [], compute)).toThrow(RangeError);
  });
});
