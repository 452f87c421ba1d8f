import { actionFor, buildBatchWrite, planBatch, type ReadRow } from './plan-batch';
import type { TableTarget } from './table-target';
import type { ValueState } from './value-state';

const target: TableTarget = {
  model: 'User',
  table: 'users',
  primaryKey: [{ field: 'id', column: 'id', type: 'Int' }],
  encrypted: [
    { field: 'name', column: 'name', type: 'String' },
    { field: 'email', column: 'email_col', type: 'String', blindIndex: { column: 'email_hash', normalize: ['lowercase'] } },
  ],
};

const states: Record<string, ValueState> = {
  plain: { kind: 'plaintext' },
  cur: { kind: 'current' },
  old: { kind: 'other-key', wrappingKeys: ['k:old'] },
  bad: { kind: 'malformed', reason: 'truncated' },
};
const classify = (value: string | null): ValueState => (value === null ? { kind: 'null' } : states[value.split('-')[0]!]!);

describe('actionFor', () => {
  it('encrypt touches only plaintext: ciphertext is never encrypted twice', () => {
    expect(actionFor('encrypt', states.plain!)).toBe('encrypt');
    expect(actionFor('encrypt', states.cur!)).toBeUndefined();
    expect(actionFor('encrypt', states.old!)).toBeUndefined();
    expect(actionFor('encrypt', { kind: 'null' })).toBeUndefined();
  });

  it('rotate touches only ciphertext under other keys', () => {
    expect(actionFor('rotate', states.old!)).toBe('reencrypt');
    expect(actionFor('rotate', states.cur!)).toBeUndefined();
    expect(actionFor('rotate', states.plain!)).toBeUndefined();
  });

  it('decrypt touches every ciphertext and leaves plaintext alone', () => {
    expect(actionFor('decrypt', states.cur!)).toBe('decrypt');
    expect(actionFor('decrypt', states.old!)).toBe('decrypt');
    expect(actionFor('decrypt', states.plain!)).toBeUndefined();
  });
});

describe('malformed values', () => {
  it('no command has an action for a damaged message: it is never taken for plaintext', () => {
    for (const command of ['encrypt', 'rotate', 'decrypt'] as const) expect(actionFor(command, states.bad!)).toBeUndefined();
  });

  it('planBatch reports them by row and column, with the reason, and plans the rest', () => {
    const rows: ReadRow[] = [{ key: [1], values: ['bad-x', 'plain-y'] }, { key: [2], values: ['cur-z', 'bad-w'] }];
    for (const command of ['encrypt', 'rotate', 'decrypt'] as const) {
      const plan = planBatch(command, rows, classify);
      expect(plan.malformed).toEqual([{ row: 0, column: 0, reason: 'truncated' }, { row: 1, column: 1, reason: 'truncated' }]);
      expect(plan.work.some((w) => w.value.startsWith('bad'))).toBe(false);
    }
    expect(planBatch('encrypt', rows, classify).work).toEqual([{ row: 0, column: 1, action: 'encrypt', value: 'plain-y' }]);
  });

  it('encrypt with encryptMalformed (--encrypt-malformed) encrypts them as plaintext; rotate and decrypt still leave them', () => {
    const rows: ReadRow[] = [{ key: [1], values: ['bad-x', 'plain-y'] }, { key: [2], values: ['cur-z', 'bad-w'] }];
    const plan = planBatch('encrypt', rows, classify, { encryptMalformed: true });
    expect(plan.malformed).toEqual([]);
    expect(plan.work).toEqual([
      { row: 0, column: 0, action: 'encrypt', value: 'bad-x' },
      { row: 0, column: 1, action: 'encrypt', value: 'plain-y' },
      { row: 1, column: 1, action: 'encrypt', value: 'bad-w' },
    ]);
    for (const command of ['rotate', 'decrypt'] as const) {
      expect(planBatch(command, rows, classify, { encryptMalformed: true }).malformed).toHaveLength(2);
    }
  });
});

describe('planBatch and buildBatchWrite', () => {
  const rows: ReadRow[] = [
    { key: [1], values: ['plain-a', 'cur-a'] },
    { key: [2], values: ['cur-b', null] },
    { key: [3], values: ['plain-c', 'plain-d'] },
  ];

  it('plans every value that needs the command, by row and column', () => {
    expect(planBatch('encrypt', rows, classify).work).toEqual([
      { row: 0, column: 0, action: 'encrypt', value: 'plain-a' },
      { row: 2, column: 0, action: 'encrypt', value: 'plain-c' },
      { row: 2, column: 1, action: 'encrypt', value: 'plain-d' },
    ]);
  });

  it('writes only rows that change, each change carrying the value read', () => {
    const work = planBatch('encrypt', rows, classify).work;
    const write = buildBatchWrite(target, rows, work, [
      { ok: true, value: 'X-a' },
      { ok: true, value: 'X-c' },
      { ok: false, code: 'PRISMA_KMS_ENCRYPTION_FAILED' },
    ]);
    expect(write.columns).toEqual([{ column: 'name', guarded: true }]);
    expect(write.rows).toEqual([
      { key: [1], changes: [{ next: 'X-a', previous: 'plain-a' }] },
      { key: [3], changes: [{ next: 'X-c', previous: 'plain-c' }] },
    ]);
    expect(write.failed).toEqual([{ row: 2, column: 1, code: 'PRISMA_KMS_ENCRYPTION_FAILED' }]);
  });

  it('aligns changes with the changed columns, null where a row keeps a column', () => {
    const work = planBatch('encrypt', rows, classify).work;
    const write = buildBatchWrite(target, rows, work, work.map((w) => ({ ok: true, value: `E(${w.value})` })));
    expect(write.columns).toEqual([{ column: 'name', guarded: true }, { column: 'email_col', guarded: true }]);
    expect(write.rows[0]!.changes).toEqual([{ next: 'E(plain-a)', previous: 'plain-a' }, null]);
  });

  it('Precondition: one outcome per planned value', () => {
    expect(() => buildBatchWrite(target, rows, planBatch('encrypt', rows, classify).work, [])).toThrow(RangeError);
  });

  it('writes the blind index of a newly encrypted value, unguarded, after the guarded columns', () => {
    const work = planBatch('encrypt', rows, classify).work;
    const write = buildBatchWrite(target, rows, work, work.map((w) => ({ ok: true, value: `E(${w.value})` })), (column, plaintext) => `H${column}(${plaintext})`);
    expect(write.columns).toEqual([
      { column: 'name', guarded: true },
      { column: 'email_col', guarded: true },
      { column: 'email_hash', guarded: false },
    ]);
    expect(write.rows[0]!.changes[2]).toBeNull(); // row 1's email was already ciphertext: its index is left alone
    expect(write.rows[1]!.changes[2]).toEqual({ next: 'H1(plain-d)' });
  });

  it('does not touch the blind index when decrypting', () => {
    const work = planBatch('decrypt', rows, classify).work;
    const write = buildBatchWrite(target, rows, work, work.map(() => ({ ok: true, value: 'p' })), () => 'never');
    expect(write.columns.every((c) => c.guarded)).toBe(true);
  });
});
