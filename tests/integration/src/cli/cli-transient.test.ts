/**
 * Issue 11, defect 6: a transient database error no longer aborts a run. A row lock held by another
 * connection makes a batch wait at most `--lock-timeout` and retry (the wait is reported); a busy
 * SQLite file (SQLITE_BUSY past the driver's busy timeout) is retried with backoff; the run finishes
 * with every value encrypted and exit status 0.
 */
import { openRawConnection, type Provider, type RawConnection } from '../harness';
import { CliFixture, expectedUsers, isCiphertext } from './cli-test-kit';

const ROWS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('transient database errors on %s', (provider) => {
  let fx: CliFixture;
  let other: RawConnection;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(ROWS);
    fx.writeConfig({ sqliteBusyTimeoutMs: 100 });
    other = await openRawConnection(provider, provider === 'sqlite' ? fx.db.url.replace(/^file:/, '') : fx.db.url);
  });
  afterEach(async () => {
    await other.close();
    await fx.cleanup();
  });

  it('a held lock makes batches wait at most --lock-timeout, retry, report the waits, and finish', async () => {
    const q = fx.db.raw.quote;
    // another transaction holds a lock the CLI needs (a row lock; on SQLite the write lock of the file)
    await other.query(provider === 'mysql' ? 'START TRANSACTION' : provider === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    await other.query(`UPDATE ${q('users')} SET ${q('role')} = ${q('role')} WHERE ${q('id')} = ?`, [ROWS / 2]);
    const run = fx.run(['encrypt', '--model', 'User', '--batch-size', '50', '--concurrency', '1', '--lock-timeout', '300']);
    let finished = false;
    void run.finally(() => (finished = true));
    // hold the lock until the CLI has reached the locked row and waited on it for a while
    if (provider !== 'sqlite') {
      while (!finished && (await fx.users()).filter((u) => isCiphertext(u.email)).length < ROWS / 2 - 50) await sleep(50);
    }
    await sleep(2_500);
    await other.query('COMMIT');
    const result = await run;
    expect(result.stderr).toMatch(/retry 1 in \d+ ms/);
    expect(result.stderr).toMatch(/while writing table "users"/);
    expect(result.stdout).toMatch(/\d+ batch statements retried \(transient database errors\)/);
    expect(result.status).toBe(0);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(ROWS));
  }, 120_000);
});
