import { transientReason } from './transient-errors';
import { withRetry, type RetryNotice } from './transient-retry';

/** The shape Prisma 7 gives a driver error from a raw query: P2010 with the database's code in meta. */
function prismaError(originalCode: string): Error {
  return Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode, kind: 'postgres' } } } });
}

describe('transient database errors', () => {
  it('knows deadlocks, lock timeouts, terminated backends and a busy SQLite file, through a wrapping cause', () => {
    expect(transientReason(prismaError('40P01'))).toBe('40P01');
    expect(transientReason(new Error('Database error', { cause: prismaError('57P01') }))).toBe('57P01');
    expect(transientReason(prismaError('1213'))).toBe('1213');
    expect(transientReason(prismaError('1205'))).toBe('1205');
    expect(transientReason(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }))).toBe('SQLITE_BUSY');
  });

  it('knows the pg client that a terminated backend left unusable (a plain Error, no code, wrapped by the CLI)', () => {
    // what the Prisma pg adapter throws when its pooled client lost its backend (pg_terminate_backend) before the query
    const unusable = new Error('Client has encountered a connection error and is not queryable');
    expect(transientReason(new Error('Database error while writing table "users" (Error)', { cause: unusable }))).toBe('Client has encountered a connection erro');
  });

  it('leaves real errors alone: a unique violation, a missing table', () => {
    expect(transientReason(prismaError('23505'))).toBeUndefined();
    expect(transientReason(prismaError('42P01'))).toBeUndefined();
    expect(transientReason(new TypeError('nope'))).toBeUndefined();
  });

  it('retries with growing, bounded delays and gives up after the last attempt', async () => {
    const notices: RetryNotice[] = [];
    let calls = 0;
    const ok = await withRetry(async () => (++calls < 3 ? Promise.reject(prismaError('40P01')) : 'done'), 'writing', { attempts: 5, firstDelayMs: 1, maxDelayMs: 3 }, (n) => notices.push(n));
    expect(ok).toBe('done');
    expect(notices.map((n) => [n.reason, n.attempt, n.delayMs])).toEqual([['40P01', 1, 1], ['40P01', 2, 2]]);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw prismaError('1213'); }, 'writing', { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 }, () => undefined)).rejects.toMatchObject({ code: 'P2010' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw prismaError('23505'); }, 'writing', { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 }, () => undefined)).rejects.toBeDefined();
    expect(calls).toBe(1);
  });
});
