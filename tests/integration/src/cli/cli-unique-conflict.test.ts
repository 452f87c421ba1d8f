/**
 * Issue 10 (blocker 3, the CLI's part): `encrypt` on a field whose blind index column is `@unique`
 * (User.email -> email_hash). Two rows holding one address up to normalization get the same index
 * entry; the second is refused by the unique index. The run reports that row by primary key, writes
 * every other row, and exits 1 naming it, instead of aborting on the first batch with a database error.
 */
import type { Provider } from '../harness';
import { CliFixture, isCiphertext } from './cli-test-kit';

const ROWS = 120;

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('encrypt with a unique blind index on %s', (provider) => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(ROWS);
    fx.writeConfig();
  });
  afterEach(() => fx.cleanup());

  it('reports the conflicting row by primary key, encrypts the rest, and exits 1 until the duplicate is resolved', async () => {
    const q = fx.db.raw.quote;
    // the same address twice up to trim + lowercase, in two different batches
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, ['Dup@Example.com', 10]);
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, [' dup@example.com', 70]);
    const run = await fx.run(['encrypt', '--model', 'User', '--batch-size', '50', '--json']);
    expect(run.status).toBe(1);
    const table = JSON.parse(run.stdout).tables[0];
    // batches are written concurrently: whichever of the two is written second is the one refused
    expect(table.failures).toHaveLength(1);
    const refused = Number(table.failures[0].key.id);
    expect([10, 70]).toContain(refused);
    expect(table.failures[0]).toEqual({ model: 'User', field: 'email', key: { id: refused }, code: 'UNIQUE_CONFLICT' });
    expect(table.remaining.email).toBe(1);
    const users = await fx.users();
    expect(users.filter((u) => !isCiphertext(u.email)).map((u) => u.id)).toEqual([refused]);

    const text = await fx.run(['encrypt', '--model', 'User']);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`User.email [id=${refused}]: UNIQUE_CONFLICT`);
    expect(text.stdout).toContain('Resolve the duplicate');

    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('email')} = ? WHERE ${q('id')} = ?`, ['other@example.com', refused]);
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
  });
});
