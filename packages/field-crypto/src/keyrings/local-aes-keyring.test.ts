import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  createFieldCipher,
  ensureLocalKeyFile,
  FieldCryptoErrorCode,
  generateLocalKey,
  KeyringError,
  localAesKeyring,
} from '../index';

const email = { model: 'User', field: 'email' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'field-crypto-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('generateLocalKey', () => {
  it('returns base64 of 32 random bytes', () => {
    const a = generateLocalKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(generateLocalKey()).not.toBe(a);
  });
});

describe('ensureLocalKeyFile', () => {
  it('creates the file (and its folder) with mode 0600, then returns the same key', () => {
    const path = join(dir, 'nested', 'local.key');
    const key = ensureLocalKeyFile(path);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`${key}\n`);
    expect(ensureLocalKeyFile(path)).toBe(key);
  });

  it('refuses a file that does not hold a 32-byte key, without echoing it', () => {
    const path = join(dir, 'bad.key');
    writeFileSync(path, 'not-a-key-at-all');
    const error = (() => {
      try {
        ensureLocalKeyFile(path);
      } catch (e) {
        return e as ConfigurationError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe(FieldCryptoErrorCode.CONFIGURATION);
    expect(error.message).not.toContain('not-a-key-at-all');
  });
});

describe('localAesKeyring', () => {
  it('accepts a base64 key, a key file and raw bytes for the same key', async () => {
    const key = generateLocalKey();
    const path = join(dir, 'local.key');
    writeFileSync(path, `${key}\n`);
    const bytes = new Uint8Array(Buffer.from(key, 'base64'));
    const stored = await createFieldCipher({ keyring: localAesKeyring({ key }) }).encrypt('ada', email);
    expect(await createFieldCipher({ keyring: localAesKeyring({ keyFile: path }) }).decrypt(stored, email)).toBe('ada');
    expect(await createFieldCipher({ keyring: localAesKeyring({ key: bytes }) }).decrypt(stored, email)).toBe('ada');
    // The caller's buffer is left alone (the SDK zeroes what it is given, so we hand it a copy).
    expect(Buffer.from(bytes).toString('base64')).toBe(key);
  });

  it('binds values to the key name: another name cannot decrypt', async () => {
    const key = generateLocalKey();
    const stored = await createFieldCipher({ keyring: localAesKeyring({ key }, { keyName: 'a' }) }).encrypt('ada', email);
    const other = createFieldCipher({ keyring: localAesKeyring({ key }, { keyName: 'b' }) });
    await expect(other.decrypt(stored, email)).rejects.toBeInstanceOf(KeyringError);
  });

  it.each([
    ['too short', Buffer.alloc(16).toString('base64')],
    ['not base64', 'this is not base64!'],
    ['unpadded', generateLocalKey().replace('=', '')],
  ])('rejects a key that is %s', (_name, key) => {
    expect(() => localAesKeyring({ key })).toThrow(ConfigurationError);
  });

  it('rejects a missing key file as ConfigurationError', () => {
    expect(() => localAesKeyring({ keyFile: join(dir, 'missing.key') })).toThrow(ConfigurationError);
  });
});
