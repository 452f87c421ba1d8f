/**
 * Killing the real bin mid-run (SIGKILL: no cleanup, batches in flight) and running it again
 * finishes the job: every value correct, none encrypted twice, and the rerun resumes from the
 * checkpoint instead of rescanning the table.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, finished } from './cli-test-kit';

const ROWS: Record<Provider, number> = { postgresql: 20_000, sqlite: 20_000, mysql: 10_000 };

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('a killed encrypt on %s', (provider) => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
  });
  afterEach(() => fx.cleanup());

  it('reruns to completion with every value correct and resumes from its checkpoint', async () => {
    const rows = ROWS[provider];
    await fx.seedUsers(rows);
    fx.writeConfig();
    const q = fx.db.raw.quote;
    const encryptedCount = async (): Promise<number> => {
      const [row] = await fx.db.raw.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${q('users')} WHERE ${q('email')} NOT LIKE 'user%'`);
      return Number(row!.n);
    };

    const child = fx.spawnBin(['encrypt', '--model', 'User', '--batch-size', '100', '--concurrency', '4']);
    const done = finished(child);
    let seen = 0;
    while (seen < rows * 0.2 && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 10));
      seen = await encryptedCount();
    }
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = await encryptedCount();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(rows);
    const checkpoint = join(fx.dir, '.prisma-kms', 'checkpoint-encrypt-User.json');
    expect(existsSync(checkpoint)).toBe(true);

    const rerun = await fx.runBin(['encrypt', '--model', 'User', '--batch-size', '100', '--json']);
    expect(rerun.status).toBe(0);
    const result = JSON.parse(rerun.stdout).tables[0];
    expect(result.resumed).toBe(true);
    expect(result.rowsScanned).toBeLessThan(rows);
    expect(result.rowsScanned).toBeGreaterThan(0);
    expect(existsSync(checkpoint)).toBe(false);

    expect(await encryptedCount()).toBe(rows);
    expect(await fx.decryptedUsers()).toEqual(expectedUsers(rows));
  }, 240_000);
});
