/**
 * Issue 11: SIGKILL during the final check. The run's pass has written every value and deleted its
 * checkpoint, and the process dies while it counts what is left, before it prints anything. A rerun
 * starts over (no checkpoint), takes what was written since, and exits 0 only when its own final
 * check finds nothing left: not while a damaged value remains, and once it is repaired, with every
 * value correct.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, finished, isCiphertext } from './cli-test-kit';
import { cipherFor } from './fixtures/config-factory';

/** Enough rows that the final check (one SELECT per 100 rows) lasts far longer than the 5 ms polling interval. */
const ROWS = 10_000;
const ARGS = ['encrypt', '--model', 'User', '--batch-size', '100', '--concurrency', '4'];
const LEGACY_ID = 5;
const DAMAGED_ID = 8; // 8 % 3 !== 0: the seed gives it a phone number

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('encrypt killed during its final check on %s', (provider) => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
  });
  afterEach(() => fx.cleanup());

  it('reruns from the start, exits 1 while a damaged value is left, and 0 once it is repaired, every value correct', async () => {
    const rows = ROWS;
    await fx.seedUsers(rows);
    fx.writeConfig();
    const q = fx.db.raw.quote;
    const checkpoint = join(fx.dir, '.prisma-kms', 'checkpoint-encrypt-User.json');

    const child = fx.spawnBin(ARGS);
    const run = finished(child);
    // The pass saves a checkpoint after its batches (write, then rename: the file never disappears
    // mid-pass) and deletes it when it reaches the end of the table, just before the final check.
    const until = async (condition: () => boolean): Promise<void> => {
      while (!condition() && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    };
    await until(() => existsSync(checkpoint));
    expect(existsSync(checkpoint)).toBe(true);
    await until(() => !existsSync(checkpoint));
    child.kill('SIGKILL');
    const killed = await run;
    // killed, not exited: the kill landed before the check's verdict was printed
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toContain('DONE');
    const afterKill = await fx.users();
    expect(afterKill.every((u) => isCiphertext(u.name) && isCiphertext(u.email))).toBe(true);
    expect(existsSync(checkpoint)).toBe(false);

    // Since then: an old application instance wrote plaintext, and a ciphertext was cut short.
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [`legacy ${LEGACY_ID}`, LEGACY_ID]);
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('phone_number')} = SUBSTR(${q('phone_number')}, 1, 40) WHERE ${q('id')} = ?`, [DAMAGED_ID]);
    const damaged = (await fx.users()).find((u) => u.id === DAMAGED_ID)!.phone_number!;
    expect(cipherFor(fx.k1).inspect(damaged)).toMatchObject({ kind: 'malformed' });

    const notDone = await fx.runBin([...ARGS, '--json']);
    expect(notDone.status).toBe(1);
    expect(JSON.parse(notDone.stdout)).toMatchObject({
      done: false,
      tables: [
        {
          resumed: false,
          rowsScanned: rows,
          rowsWritten: 1,
          remaining: { name: 0, email: 0, phone: 1 },
          failures: [{ field: 'phone', key: { id: DAMAGED_ID }, code: 'MALFORMED' }],
        },
      ],
    });
    const legacy = (await fx.users()).find((u) => u.id === LEGACY_ID)!;
    expect(isCiphertext(legacy.name)).toBe(true);
    expect((await fx.users()).find((u) => u.id === DAMAGED_ID)!.phone_number).toBe(damaged);

    // The operator restores the damaged value from a backup of the plaintext; the next run is done.
    const original = expectedUsers(rows).find((u) => u.id === DAMAGED_ID)!.phone_number;
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('phone_number')} = ? WHERE ${q('id')} = ?`, [original, DAMAGED_ID]);
    const done = await fx.runBin([...ARGS, '--json']);
    expect(done.status).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ done: true, tables: [{ rowsWritten: 1, remaining: { name: 0, email: 0, phone: 0 }, failureCount: 0 }] });
    const expected = expectedUsers(rows).map((u) => (u.id === LEGACY_ID ? { ...u, name: `legacy ${LEGACY_ID}` } : u));
    expect(await fx.decryptedUsers()).toEqual(expected);
  }, 300_000);
});
