/**
 * Issue 11, defect 7 (memory with large values): 300 rows of 256 KB values. Batches are cut by the
 * characters they hold, not only by `--batch-size`, and the CLI empties Prisma's debug histories
 * (which kept every batch UPDATE's parameters), so the real bin's peak RSS stays under the 300 MB every
 * command is held to: `encrypt` reached 877 MB with 8 M-character batches and 24 M in flight, 356 MB
 * with 2 M and 8 M, 196 to 200 MB outside jest once the histories were emptied and batches cut to 1 M
 * and 4 M. `rotate` holds more copies of each value (old ciphertext, plaintext, new ciphertext).
 */
import { CliFixture, isCiphertext } from './cli-test-kit';
import { cipherFor } from './fixtures/config-factory';

const ROWS = 300;
const VALUE_CHARS = 256 * 1024;
/** The target for every command (a CLI process with Prisma starts near 120 MB). */
const MAX_RSS_BYTES = 300 * 1024 * 1024;

describe('large values on postgresql', () => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create('postgresql');
    const q = fx.db.raw.quote;
    for (let id = 1; id <= ROWS; id++) {
      await fx.db.raw.query(`INSERT INTO ${q('users')} (${q('id')}, ${q('name')}, ${q('email')}, ${q('phone_number')}) VALUES (?, ?, ?, ?)`, [
        id,
        `n${id} ${'x'.repeat(VALUE_CHARS)}`,
        `u${id}@example.com`,
        null,
      ]);
    }
    fx.writeConfig();
  });
  afterEach(() => fx.cleanup());

  it('encrypts 300 values of 256 KB with peak RSS bounded, every value done', async () => {
    expect(await peakRss(['encrypt', '--model', 'User'])).toBeLessThan(MAX_RSS_BYTES);
    const users = await fx.users();
    expect(users).toHaveLength(ROWS);
    expect(users.every((u) => isCiphertext(u.name) && isCiphertext(u.email))).toBe(true);
    const plain = await fx.decryptedUsers();
    expect(plain.every((u) => u.name === `n${u.id} ${'x'.repeat(VALUE_CHARS)}`)).toBe(true);
  }, 240_000);

  it('rotates them with peak RSS bounded, every value under the new key', async () => {
    expect(await fx.runBin(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    fx.writeConfig({ generator: fx.k2, decryptOnly: [fx.k1] });
    expect(await peakRss(['rotate', '--model', 'User'])).toBeLessThan(MAX_RSS_BYTES);
    const onlyNewKey = cipherFor(fx.k2);
    for (const user of await fx.users()) {
      expect(await onlyNewKey.decrypt(user.name, { model: 'User', field: 'name' })).toBe(`n${user.id} ${'x'.repeat(VALUE_CHARS)}`);
    }
  }, 240_000);

  /** Runs the real bin to exit 0 and returns its peak RSS in bytes. */
  async function peakRss(args: readonly string[]): Promise<number> {
    const { status, stderr } = await fx.runBin([...args, '--report-max-rss']);
    expect(status).toBe(0);
    const rss = Number(/prisma-kms:max-rss-bytes (\d+)/.exec(stderr)?.[1]);
    expect(rss).toBeGreaterThan(0);
    return rss;
  }
});

describe('status over large values on postgresql', () => {
  let fx: CliFixture;
  beforeEach(async () => {
    fx = await CliFixture.create('postgresql');
    fx.writeConfig();
  });
  afterEach(() => fx.cleanup());

  it('counts 1,000 values of 256 KB with peak RSS bounded (batches cut by characters, not one read of 1,000 rows)', async () => {
    const rows = 1000;
    const q = fx.db.raw.quote;
    // generated in SQL: 256 MB of text never crosses the test's connection
    await fx.db.raw.query(
      `INSERT INTO ${q('users')} (${q('id')}, ${q('name')}, ${q('email')}, ${q('phone_number')}) ` +
        `SELECT g, 'n' || g || ' ' || repeat('x', ${VALUE_CHARS}), 'u' || g || '@example.com', NULL FROM generate_series(1, ${rows}) g`,
    );
    const { status, stdout, stderr } = await fx.runBin(['status', '--model', 'User', '--json', '--report-max-rss']);
    expect(status).toBe(0);
    const rss = Number(/prisma-kms:max-rss-bytes (\d+)/.exec(stderr)?.[1]);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(MAX_RSS_BYTES);
    const fields = (JSON.parse(stdout) as { fields: Array<{ field: string; plaintext: number }> }).fields;
    expect(fields.find((f) => f.field === 'name')).toMatchObject({ plaintext: rows });
  }, 240_000);
});
