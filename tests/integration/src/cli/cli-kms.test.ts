/**
 * Issue 11, defects 3, 4 and 5, with a KMS keyring against kms-local (its call counters and faults):
 * `status` makes no KMS call and `decrypt` only Decrypt; a KMS failure in the middle of a run keeps
 * the AWS error name and the message; `verify` with KMS unavailable stops early with status 3 instead
 * of reporting every value as bad data.
 */
import { describeOnKmsLocal, openKmsTarget, type KmsTarget } from '@prisma-kms/kms-local/testing';
import type { KmsLocalFaults } from '@prisma-kms/kms-local';
import type { Provider } from '../harness';
import { CliFixture, expectedUsers, isCiphertext } from './cli-test-kit';
import { kmsCipherFor, type KmsFixture } from './fixtures/config-factory';

const ROWS = 60;

describeOnKmsLocal(describe, 'the CLI KMS drills').each<Provider>(['postgresql', 'sqlite', 'mysql'])('the CLI with KMS on %s', (provider) => {
  let target: KmsTarget;
  let faults: KmsLocalFaults;
  let kms: KmsFixture;
  let fx: CliFixture;

  beforeAll(async () => {
    target = await openKmsTarget();
    faults = target.faults!;
    kms = { keyArn: (await target.createKey()).arn, settings: target.clientConfig() };
  });
  afterAll(() => target.close());
  beforeEach(async () => {
    fx = await CliFixture.create(provider);
    await fx.seedUsers(ROWS);
    fx.writeConfig({ kms });
  });
  afterEach(async () => {
    faults.clear();
    await fx.cleanup();
  });

  const encryptAll = async (): Promise<void> => {
    expect(await fx.run(['encrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    target.resetCalls();
  };

  it('status makes no KMS call at all (and still names the current key); decrypt calls only Decrypt', async () => {
    await encryptAll();
    const status = await fx.run(['status', '--model', 'User', '--json']);
    expect(status.status).toBe(0);
    expect(target.calls()).toEqual({});
    const report = JSON.parse(status.stdout) as { currentKey: string; fields: Array<{ field: string; current: number; plaintext: number }> };
    expect(report.currentKey).toBe(`aws-kms:${kms.keyArn}`);
    expect(report.fields.find((f) => f.field === 'email')).toMatchObject({ current: ROWS, plaintext: 0 });

    // status works while KMS is down, too
    faults.down(true);
    expect((await fx.run(['status', '--model', 'User', '--quiet'])).status).toBe(0);
    faults.down(false);

    target.resetCalls();
    expect(await fx.run(['decrypt', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
    const calls = target.calls()!;
    expect(Object.keys(calls)).toEqual(['Decrypt']);
    expect(await fx.users()).toEqual(expectedUsers(ROWS));
  });

  it('encrypt: a KMS failure mid-run names the AWS error and stops with status 3', async () => {
    faults.failNext(1000, 'ThrottlingException', 'GenerateDataKey');
    const result = await fx.run(['encrypt', '--model', 'User', '--quiet']);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('ThrottlingException');
    expect(result.stderr).toContain('KMS is unavailable');
    expect(result.stderr).toContain('[CIPHER_FAILED]');
    expect((await fx.users()).every((u) => !isCiphertext(u.email))).toBe(true);
  });

  it('decrypt: KMS unavailable mid-run stops with status 3 and the AWS error name, not a failure per value', async () => {
    await encryptAll();
    faults.failNext(1000, 'KMSInternalException', 'Decrypt');
    const result = await fx.run(['decrypt', '--model', 'User', '--quiet']);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('KMSInternalException');
    expect(result.stderr).not.toContain('values failed');
    expect(target.calls()!['Decrypt'] ?? 0).toBeLessThan(ROWS);
  });

  it('verify with KMS down or throttled stops early, exits 3 and says so', async () => {
    await encryptAll();
    faults.down(true);
    const down = await fx.run(['verify', '--model', 'User']);
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/KMS could not be reached/);
    expect(down.stderr).toContain('KMS is unavailable');
    expect(down.stdout).not.toContain('PRISMA_KMS_KEYRING_FAILED');
    faults.down(false);

    target.resetCalls();
    faults.failNext(10_000, 'ThrottlingException', 'Decrypt');
    const throttled = await fx.run(['verify', '--model', 'User']);
    expect(throttled.status).toBe(3);
    expect(throttled.stderr).toContain('ThrottlingException');
    // stopped at the first batch: nowhere near one attempt per value
    expect(target.calls()!['Decrypt'] ?? 0).toBeLessThan(ROWS);

    faults.clear();
    expect(await fx.run(['verify', '--model', 'User', '--quiet'])).toMatchObject({ status: 0 });
  });

  it('a value KMS refuses for good (another key) is bad data: verify lists it and exits 1', async () => {
    await encryptAll();
    const other = { ...kms, keyArn: (await target.createKey()).arn };
    const foreign = await kmsCipherFor(other).encrypt('under another key', { model: 'User', field: 'name' });
    const q = fx.db.raw.quote;
    await fx.db.raw.query(`UPDATE ${q('users')} SET ${q('name')} = ? WHERE ${q('id')} = ?`, [foreign, 5]);
    const result = await fx.run(['verify', '--model', 'User']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('User.name [id=5]');
  });
});
