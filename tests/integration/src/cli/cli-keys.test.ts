/**
 * `prisma-kms keys create-index-key`: the message it prints (or appends to a file, mode 0600) is an AWS
 * Encryption SDK message that the SDK itself decrypts with the config's keyring, and that
 * `loadIndexKeys` loads back as the version asked for.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { INDEX_KEY_BYTES, INDEX_KEY_CONTEXT, loadIndexKeys, splitIndexKeyMessages } from '@prisma-kms/field-crypto';
import { CliFixture } from './cli-test-kit';
import { keyringOf } from './fixtures/config-factory';

describe('prisma-kms keys create-index-key', () => {
  let fx: CliFixture;
  beforeAll(async () => {
    fx = await CliFixture.create('sqlite');
    fx.writeConfig();
  });
  afterAll(() => fx.cleanup());

  it('prints one Encryption SDK message that the SDK decrypts with the same keyring and loadIndexKeys loads', async () => {
    const result = await fx.run(['keys', 'create-index-key', '--version', '3']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const messages = splitIndexKeyMessages(result.stdout);
    expect(messages).toHaveLength(1);
    expect(result.stdout).toBe(`${messages[0]}\n`);

    const keyring = keyringOf(fx.indexKey.wrappingKey);
    const { plaintext, messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(keyring, Buffer.from(messages[0]!, 'base64'));
    expect(plaintext).toHaveLength(INDEX_KEY_BYTES);
    expect(messageHeader.encryptionContext).toMatchObject({ [INDEX_KEY_CONTEXT.purposeKey]: INDEX_KEY_CONTEXT.purpose, [INDEX_KEY_CONTEXT.versionKey]: '3' });

    const keys = await loadIndexKeys(keyring, messages);
    expect(keys).toMatchObject({ current: 3, versions: [3] });
  });

  it('two runs make two different keys', async () => {
    const [a, b] = await Promise.all([fx.run(['keys', 'create-index-key']), fx.run(['keys', 'create-index-key'])]);
    expect(a.stdout).not.toBe(b.stdout);
    expect(await loadIndexKeys(keyringOf(fx.indexKey.wrappingKey), splitIndexKeyMessages(a.stdout))).toMatchObject({ current: 1 });
  });

  it('--out appends to a file created with mode 0600, keeping the versions already there, and prints nothing', async () => {
    const out = join(fx.dir, 'index-keys');
    const first = await fx.run(['keys', 'create-index-key', '--version', '1', '--out', 'index-keys']);
    expect(first).toMatchObject({ status: 0, stdout: '' });
    expect(first.stderr).toContain('index key version 1 appended to');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(await fx.runBin(['keys', 'create-index-key', '--version', '2', '--out', out])).toMatchObject({ status: 0, stdout: '' });
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^# prisma-kms index key version 1/m);
    const keys = await loadIndexKeys(keyringOf(fx.indexKey.wrappingKey), splitIndexKeyMessages(text));
    expect(keys).toMatchObject({ current: 2, versions: [2, 1] });
  });

  it('--out creates the folders the file goes in', async () => {
    const result = await fx.run(['keys', 'create-index-key', '--out', '.prisma-kms/nested/index-keys']);
    expect(result).toMatchObject({ status: 0, stdout: '' });
    const text = readFileSync(join(fx.dir, '.prisma-kms', 'nested', 'index-keys'), 'utf8');
    expect(await loadIndexKeys(keyringOf(fx.indexKey.wrappingKey), splitIndexKeyMessages(text))).toMatchObject({ current: 1 });
    expect(statSync(join(fx.dir, '.prisma-kms', 'nested')).mode & 0o777).toBe(0o700);
  });

  it('prisma-kms --version prints the package version, and keys create-index-key keeps its own --version <n>', async () => {
    const version = (JSON.parse(readFileSync(require.resolve('@prisma-kms/cli/package.json'), 'utf8')) as { version: string }).version;
    expect(await fx.run(['--version'])).toMatchObject({ status: 0, stdout: `${version}\n` });
    expect(await fx.runBin(['--version'])).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it('refuses a config without a keyring, and a version that is not a positive integer, with status 2', async () => {
    const path = join(fx.dir, 'no-keyring.config.ts');
    writeFileSync(path, `import base from './prisma-kms.config';\nconst { keyring: _k, ...rest } = base;\nexport default rest;\n`);
    const refused = await fx.run(['keys', 'create-index-key', '--config', path]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("needs the config's keyring");
    expect((await fx.run(['keys', 'create-index-key', '--version', '0'])).status).toBe(2);
  });

  it('keys rewrap --file --out: the same keys and versions in new messages, comments kept; without a file it is a usage error', async () => {
    const out = join(fx.dir, 'index-keys');
    const before = readFileSync(out, 'utf8');
    const result = await fx.run(['keys', 'rewrap', '--file', 'index-keys', '--out', 'index-keys.rewrapped']);
    expect(result).toMatchObject({ status: 0, stdout: '' });
    const after = readFileSync(join(fx.dir, 'index-keys.rewrapped'), 'utf8');
    expect(statSync(join(fx.dir, 'index-keys.rewrapped')).mode & 0o777).toBe(0o600);
    expect(after.split('\n').filter((l) => l.startsWith('#'))).toEqual(before.split('\n').filter((l) => l.startsWith('#')));
    expect(splitIndexKeyMessages(after)).not.toEqual(splitIndexKeyMessages(before));
    expect(readFileSync(out, 'utf8')).toBe(before); // --out leaves the source alone
    const keys = await loadIndexKeys(keyringOf(fx.indexKey.wrappingKey), splitIndexKeyMessages(after));
    expect(keys).toMatchObject({ current: 2, versions: [2, 1] });

    const noFile = await fx.run(['keys', 'rewrap']);
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('needs the index key file');
    expect((await fx.run(['keys', 'rewrap', '--file', 'missing'])).status).toBe(2);
  });
});
