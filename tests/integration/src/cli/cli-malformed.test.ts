/**
 * A damaged ciphertext (cut short through raw SQL) is never taken for plaintext: encrypt, rotate and
 * decrypt leave it byte for byte as it is and report it by model, field and primary key (exit 1),
 * verify reports it, status counts it in its own column.
 */
import type { Provider } from '../harness';
import { CliFixture, expectedUsers } from './cli-test-kit';
import { cipherFor } from './fixtures/config-factory';

const USERS = 60;
const DAMAGED_ID = 17;

describe.each<Provider>(['postgresql', 'sqlite', 'mysql'])('malformed values on %s', (provider) => {
  let fx: CliFixture;
  let damaged: string;

  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(USERS);
    fx.writeConfig();
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    const q = fx.db.raw.quote;
    // a ciphertext cut short, as a bad copy or a too-narrow column would leave it
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = SUBSTR(${q('name')}, 1, 40) WHERE ${q('id')} = ?`, [DAMAGED_ID]);
    damaged = (await fx.users()).find((u) => u.id === DAMAGED_ID)!.name;
    expect(cipherFor(fx.k1).inspect(damaged)).toMatchObject({ kind: 'malformed' });
  });
  afterEach(() => fx.cleanup());

  const damagedName = async (): Promise<string> => (await fx.users()).find((u) => u.id === DAMAGED_ID)!.name;

  it('encrypt leaves it as it is (never encrypted a second time) and reports it with exit status 1', async () => {
    // the other rows are plaintext again, so encrypt has real work beside the damaged value
    expect(await fx.run(['decrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 1 });
    const result = await fx.run(['encrypt', '--model', 'User', '--quiet', '--json']);
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout) as { tables: Array<{ failureCount: number; failures: unknown[]; valuesPlanned: number }> };
    expect(json.tables[0]!.failureCount).toBe(1);
    expect(json.tables[0]!.failures).toEqual([{ model: 'User', field: 'name', key: { id: DAMAGED_ID }, code: 'MALFORMED', reason: expect.any(String) }]);
    expect(await damagedName()).toBe(damaged);
    // every other value was encrypted once, and decrypts to its original
    const cipher = fx.readerCipher();
    for (const user of (await fx.users()).filter((u) => u.id !== DAMAGED_ID)) {
      expect(await cipher.decrypt(user.name, { model: 'User', field: 'name' })).toBe(expectedUsers(USERS).find((e) => e.id === user.id)!.name);
    }
  });

  it('text output names the value by model, field and key, never by content', async () => {
    const result = await fx.run(['encrypt', '--model', 'User', '--quiet']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`User\\.name \\[id=${DAMAGED_ID}\\]: MALFORMED \\(\\S+\\)`));
    expect(result.stdout).not.toContain(damaged);
  });

  it('rotate and decrypt leave it untouched and report it; the other values are rotated and decrypted', async () => {
    fx.writeConfig({ generator: fx.k2, decryptOnly: [fx.k1] });
    const rotate = await fx.run(['rotate', '--model', 'User', '--quiet', '--json']);
    expect(rotate.status).toBe(1);
    expect(JSON.parse(rotate.stdout).tables[0].failures).toEqual([expect.objectContaining({ field: 'name', key: { id: DAMAGED_ID }, code: 'MALFORMED' })]);
    expect(await damagedName()).toBe(damaged);

    const decrypt = await fx.run(['decrypt', '--model', 'User', '--quiet', '--json']);
    expect(decrypt.status).toBe(1);
    expect(JSON.parse(decrypt.stdout).tables[0].failureCount).toBe(1);
    const expected = expectedUsers(USERS).map((u) => (u.id === DAMAGED_ID ? { ...u, name: damaged } : u));
    expect(await fx.users()).toEqual(expected);
  });

  it('verify reports it as a failure; status counts it in its own column', async () => {
    const verify = await fx.run(['verify', '--model', 'User', '--json', '--quiet']);
    expect(verify.status).toBe(1);
    const report = JSON.parse(verify.stdout) as { ok: boolean; failureCount: number; tables: Array<{ failures: unknown[] }> };
    expect(report).toMatchObject({ ok: false, failureCount: 1 });
    expect(report.tables[0]!.failures).toEqual([expect.objectContaining({ field: 'name', key: { id: DAMAGED_ID }, code: 'MALFORMED' })]);

    const status = await fx.run(['status', '--model', 'User', '--json']);
    expect(status.status).toBe(0);
    const fields = (JSON.parse(status.stdout) as { fields: Array<{ field: string; malformed: number; current: number; plaintext: number }> }).fields;
    expect(fields.find((f) => f.field === 'name')).toMatchObject({ malformed: 1, current: USERS - 1, plaintext: 0 });
    expect(fields.find((f) => f.field === 'email')).toMatchObject({ malformed: 0, current: USERS });
    const text = await fx.run(['status', '--model', 'User']);
    expect(text.stdout).toMatch(/malformed/);
  });
});

/**
 * Issue 9, finding 6: one edit away from a message is never plaintext. A ciphertext with a trailing
 * newline (an edit through a SQL console) and a base64 string of message length are refused by
 * `encrypt` (MALFORMED, left as they are) unless `--encrypt-malformed` says to encrypt them.
 */
describe.each<Provider>(['postgresql', 'sqlite'])('values one edit away from a message on %s', (provider) => {
  let fx: CliFixture;
  const WRAPPED_ID = 5;
  const TOKEN_ID = 9;
  const token = Buffer.alloc(90, 7).toString('base64'); // 120 base64 characters: a long API token, say

  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(12);
    fx.writeConfig();
  });
  afterEach(() => fx.cleanup());

  async function seedEditedValues(): Promise<string> {
    const wrapped = `${await cipherFor(fx.k1).encrypt('Wanda', { model: 'User', field: 'name' })}\n`;
    const q = fx.db.raw.quote;
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [wrapped, WRAPPED_ID]);
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [token, TOKEN_ID]);
    return wrapped;
  }

  const nameOf = async (id: number): Promise<string> => (await fx.users()).find((u) => u.id === id)!.name;

  it('encrypt refuses both (MALFORMED, exit 1) and leaves them byte for byte', async () => {
    const wrapped = await seedEditedValues();
    const result = await fx.run(['encrypt', '--model', 'User', '--quiet', '--json']);
    expect(result.status).toBe(1);
    const failures = (JSON.parse(result.stdout) as { tables: Array<{ failures: Array<{ key: { id: number }; code: string; reason: string }> }> }).tables[0]!.failures;
    expect(failures.map((f) => [f.key.id, f.code, f.reason]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [WRAPPED_ID, 'MALFORMED', 'whitespace'],
      [TOKEN_ID, 'MALFORMED', 'unknown-version'],
    ]);
    expect(await nameOf(WRAPPED_ID)).toBe(wrapped);
    expect(await nameOf(TOKEN_ID)).toBe(token);
  });

  it('encrypt --encrypt-malformed encrypts them as plaintext: each decrypts to the value that was stored', async () => {
    const wrapped = await seedEditedValues();
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet', '--encrypt-malformed'])).toMatchObject({ status: 0 });
    const cipher = fx.readerCipher();
    const field = { model: 'User', field: 'name' };
    expect(await cipher.decrypt(await nameOf(WRAPPED_ID), field)).toBe(wrapped);
    expect(await cipher.decrypt(await nameOf(TOKEN_ID), field)).toBe(token);
  });
});
