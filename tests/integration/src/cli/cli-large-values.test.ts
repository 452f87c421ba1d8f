/**
 * Issue 11, defect 7 (memory with large values): 300 rows of 256 KB values. Batches are cut by the
 * characters they hold, not only by `--batch-size`, so the real bin's peak RSS stays bounded: it
 * reached 877 MB with 8 M-character batches and 24 M in flight, about 360 MB with 2 M and 8 M.
 */
import { CliFixture, isCiphertext } from './cli-test-kit';

const ROWS = 300;
const VALUE_CHARS = 256 * 1024;
/** Far above the measured ~360 MB (a CLI process with Prisma starts near 200 MB), far below the old 877 MB. */
const MAX_RSS_BYTES = 550 * 1024 * 1024;

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
    const { status, stderr } = await fx.runBin(['encrypt', '--model', 'User', '--report-max-rss']);
    expect(status).toBe(0);
    const rss = Number(/prisma-kms:max-rss-bytes (\d+)/.exec(stderr)?.[1]);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(MAX_RSS_BYTES);
    const users = await fx.users();
    expect(users).toHaveLength(ROWS);
    expect(users.every((u) => isCiphertext(u.name) && isCiphertext(u.email))).toBe(true);
    const plain = await fx.decryptedUsers();
    expect(plain.every((u) => u.name === `n${u.id} ${'x'.repeat(VALUE_CHARS)}`)).toBe(true);
  }, 240_000);
});
