import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { ConfigurationError } from '../errors';

/** A local AES-256 wrapping key is exactly 32 bytes. */
const LOCAL_KEY_BYTES = 32;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The names written into every encrypted data key (EDK) this keyring produces. A value can only be
 * decrypted by a keyring with the same namespace and name, so changing them orphans existing data.
 */
export interface LocalKeyNames {
  /** Default `prisma-kms`. */
  readonly keyNamespace?: string;
  /** Default `local-key`. */
  readonly keyName?: string;
}

export type LocalAesKeySource = { readonly key: string | Uint8Array } | { readonly keyFile: string };

/** The key namespace of {@link localAesKeyring} when none is given. Stored in every EDK: changing it orphans data. */
export const DEFAULT_LOCAL_KEY_NAMESPACE = 'prisma-kms';
/** The key name of {@link localAesKeyring} when none is given. Stored in every EDK: changing it orphans data. */
export const DEFAULT_LOCAL_KEY_NAME = 'local-key';

/**
 * A raw AES-256-GCM keyring from a 32-byte key, for development, tests and the quickstart. In production
 * use {@link kmsKeyring}: a local key is only as safe as the file or variable that holds it.
 *
 * @example
 * ```ts
 * const keyring = localAesKeyring({ key: process.env.PRISMA_KMS_LOCAL_KEY! });
 * const keyring2 = localAesKeyring({ keyFile: '.prisma-kms/local.key' }, { keyName: 'dev' });
 * ```
 */
export function localAesKeyring(source: LocalAesKeySource, names: LocalKeyNames = {}): RawAesKeyringNode {
  const keyNamespace = names.keyNamespace ?? DEFAULT_LOCAL_KEY_NAMESPACE;
  const keyName = names.keyName ?? DEFAULT_LOCAL_KEY_NAME;
  if (!keyNamespace || !keyName) {
    throw new ConfigurationError('localAesKeyring needs a non-empty keyNamespace and keyName');
  }
  // The SDK zeroes the buffer it is given (it moves the key into a KeyObject), so always hand it a copy.
  const unencryptedMasterKey = 'keyFile' in source ? readKeyFile(source.keyFile) : keyBytes(source.key);
  return new RawAesKeyringNode({
    keyNamespace,
    keyName,
    unencryptedMasterKey,
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/**
 * A new random local key: base64 (standard, padded) of 32 random bytes.
 *
 * @example
 * ```ts
 * const key = generateLocalKey(); // store it somewhere safe, e.g. a secrets manager
 * ```
 */
export function generateLocalKey(): string {
  const key = randomBytes(LOCAL_KEY_BYTES);
  const encoded = key.toString('base64');
  key.fill(0);
  return encoded;
}

/**
 * Returns the local key stored at `path`, creating the file (mode 0600, parent folders too) with a new
 * key when it does not exist. The file holds the base64 key and a newline.
 *
 * @example
 * ```ts
 * const keyring = localAesKeyring({ key: ensureLocalKeyFile('.prisma-kms/local.key') });
 * ```
 */
export function ensureLocalKeyFile(path: string): string {
  try {
    return encodeAndZero(readKeyFile(path));
  } catch (e) {
    if (!isMissingFile(e)) throw e;
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = generateLocalKey();
  try {
    // 'wx' fails if another process created the file meanwhile; then its key wins.
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigurationError('cannot create the local key file', { cause: e });
    }
    return encodeAndZero(readKeyFile(path));
  }
}

function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigurationError('cannot read the local key file', { cause: e });
  }
  return keyBytes(text.trim());
}

function keyBytes(key: string | Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.byteLength !== LOCAL_KEY_BYTES) {
      throw new ConfigurationError(`a local key must be ${LOCAL_KEY_BYTES} bytes, got ${key.byteLength}`);
    }
    return new Uint8Array(key);
  }
  if (typeof key !== 'string' || !STRICT_BASE64.test(key)) {
    throw new ConfigurationError('a local key must be standard base64 (padded) of 32 bytes');
  }
  const decoded = Buffer.from(key, 'base64');
  if (decoded.byteLength !== LOCAL_KEY_BYTES) {
    decoded.fill(0);
    throw new ConfigurationError(`a local key must decode to ${LOCAL_KEY_BYTES} bytes`);
  }
  // An isolated ArrayBuffer: the SDK refuses keys that share a pooled buffer.
  const isolated = new Uint8Array(decoded);
  decoded.fill(0);
  return isolated;
}

function encodeAndZero(key: Uint8Array): string {
  const encoded = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  key.fill(0);
  return encoded;
}

function isMissingFile(e: unknown): boolean {
  const cause = e instanceof ConfigurationError ? e.cause : undefined;
  return (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
