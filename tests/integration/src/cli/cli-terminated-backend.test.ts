/**
 * Issue 11, defect 6 (terminated backends): an operator or a failover kills the CLI's database
 * connections mid-run (`pg_terminate_backend` on PostgreSQL, `KILL CONNECTION` on MariaDB). The
 * driver pools then emit an `error` event; the real bin must not crash on it. The batch that lost its
 * connection is retried, and the run finishes with exit 0 and every value encrypted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openRawConnection, type RawConnection } from '../harness';
import { CliFixture, expectedUsers, finished, isCiphertext } from './cli-test-kit';

// under 1,000: the fixture's `AgR4QUJD ${id}` name is judged a damaged message from id 1000 on
const ROWS = 960;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills every connection to the test database except the harness's own two; returns how many. */
async function killCliConnections(provider: 'postgresql' | 'mysql', killer: RawConnection, spared: readonly number[]): Promise<number> {
  if (provider === 'postgresql') {
    const rows = await killer.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL(?::int[]) AND pg_terminate_backend(pid)`,
      [spared],
    );
    return rows.length;
  }
  const rows = await killer.query<{ id: number | bigint }>(
    `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID NOT IN (${spared.map(() => '?').join(', ')})`,
    spared,
  );
  for (const { id } of rows) await killer.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
  return rows.length;
}

async function connectionId(provider: 'postgresql' | 'mysql', connection: RawConnection): Promise<number> {
  const [row] = await connection.query<{ id: number | bigint }>(provider === 'postgresql' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id');
  return Number(row!.id);
}

describe.each<'postgresql' | 'mysql'>(['postgresql', 'mysql'])('terminated database backends on %s', (provider) => {
  let fx: CliFixture;
  let killer: RawConnection;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(ROWS);
    fx.writeConfig();
    killer = await openRawConnection(provider, fx.db.url);
  });
  afterEach(async () => {
    await killer.close();
    await fx.cleanup();
  });

  it('the real bin survives its connections being killed mid-run, retries, and finishes with exit 0', async () => {
    const spared = [await connectionId(provider, killer), await connectionId(provider, fx.db.raw)];
    const child = fx.spawnBin(['encrypt', '--model', 'User', '--batch-size', '20', '--concurrency', '2']);
    const result = finished(child);
    let done = false;
    void result.finally(() => (done = true));
    // wait until the run is under way, then kill its connections a few times while it works
    while (!done && (await fx.users()).filter((u) => isCiphertext(u.email)).length < 100) await sleep(20);
    let kills = 0;
    let killed = 0;
    while (!done && kills < 4) {
      killed += await killCliConnections(provider, killer, spared);
      kills++;
      await sleep(300);
    }
    const { status, signal, stdout, stderr } = await result;
    expect(killed).toBeGreaterThan(0);
    expect({ status, signal, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(stderr).toMatch(/retry 1 in \d+ ms/);
    expect(stdout).toMatch(/\d+ batch statements retried \(transient database errors\)/);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(ROWS));
  }, 180_000);

  // The kills start when the final check starts; a short check may be over before one lands, so this
  // catches an unretried statement of the check in some runs, not all (1 in 4 against the build without
  // the retry), and never passes a run that fails.
  it('connections killed from the start of the final check on are retried too: exit 0, every value correct', async () => {
    const spared = [await connectionId(provider, killer), await connectionId(provider, fx.db.raw)];
    const checkpoint = join(fx.dir, '.prisma-kms', 'checkpoint-encrypt-User.json');
    const child = fx.spawnBin(['encrypt', '--model', 'User', '--batch-size', '20', '--concurrency', '2']);
    const result = finished(child);
    // the pass deletes its checkpoint when it reaches the end of the table, right before the final check
    while (!existsSync(checkpoint) && child.exitCode === null) await sleep(5);
    while (existsSync(checkpoint) && child.exitCode === null) await sleep(2);
    let killed = 0;
    for (let kills = 0; kills < 40 && child.exitCode === null; kills++) {
      killed += await killCliConnections(provider, killer, spared);
      await sleep(10);
    }
    const { status, signal, stderr } = await result;
    expect(killed).toBeGreaterThan(0);
    expect({ status, signal, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(ROWS));
  }, 180_000);
});
