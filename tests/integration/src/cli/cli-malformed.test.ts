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
