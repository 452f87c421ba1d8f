/**
 * Index keys: the secret behind every blind index. An index key is 32 random bytes that exist in
 * plaintext only in memory. At rest it is an AWS Encryption SDK message (base64) encrypted through the
 * application's keyring, so reading it takes the same KMS permission as reading the data; it is
 * decrypted once at start-up and never written anywhere in the clear.
 *
 * Keys carry a version. Rotating the index key means creating version n+1 and loading both: writes use
 * the highest (current) version, reads look for every version held, and a rebuild moves rows to the
 * current one (see docs/blind-indexes.md).
 */
import { randomBytes } from 'node:crypto';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, type KeyringNode } from '@aws-crypto/client-node';
import { parseMessageHeader } from '../codec';
import { wrappingKeyOf, type WrappingKeyRef } from '../cipher/stored-value';
import { BlindIndexError, BlindIndexErrorReason } from './errors';

/** An index key is a 32-byte HMAC-SHA-256 key (the hash's block output size; more adds nothing). */
export const INDEX_KEY_BYTES = 32;

/**
 * Encryption context of every index key message. It says what the message is, so a value message cannot
 * be passed off as an index key or the reverse, and it lets a KMS key policy grant index keys alone
 * (`kms:EncryptionContext:prisma-kms:purpose`). Renaming these orphans every index key ever made.
 */
export const INDEX_KEY_CONTEXT = {
  purposeKey: 'prisma-kms:purpose',
  purpose: 'blind-index-key',
  versionKey: 'prisma-kms:index-key-version',
} as const;

/** Versions are positive integers written in decimal without leading zeros. */
const MAX_VERSION = 2 ** 31 - 1;
const VERSION_TEXT = /^[1-9][0-9]*$/;
/** Context keys the SDK itself may add (e.g. the signing public key of a signing suite). */
const SDK_RESERVED_CONTEXT_PREFIX = 'aws-crypto-';

// One client for the process: REQUIRE_ENCRYPT_REQUIRE_DECRYPT refuses non-committing messages both ways.
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

export interface CreateIndexKeyOptions {
  /** Version of the new key: 1 for the first, one more than the highest in use for a rotation. */
  readonly version: number;
  /**
   * Extra encryption context pairs (e.g. the application's static context). The same pairs must be given
   * to {@link loadIndexKeys}. Keys must not start with `prisma-kms:` or `aws-crypto-`.
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/**
 * Generates a new index key and returns it encrypted: a base64 AWS Encryption SDK message (committing,
 * non-signing suite) that any Encryption SDK can decrypt with the keyring. Store it in a file or an
 * environment variable; it is safe at rest as long as the keyring's keys are.
 *
 * @example
 * ```ts
 * const message = await createIndexKey(keyring, { version: 1 });
 * await writeFile('.prisma-kms/index-key', message + '\n');
 * ```
 */
export async function createIndexKey(keyring: KeyringNode, options: CreateIndexKeyOptions): Promise<string> {
  assertVersion(options.version);
  const extra = options.encryptionContext ?? {};
  assertStaticContext(extra);
  const key = randomBytes(INDEX_KEY_BYTES);
  try {
    return await encryptIndexKey(keyring, key, options.version, extra, 'the keyring could not encrypt a new index key');
  } finally {
    key.fill(0);
  }
}

/**
 * Re-wraps index key messages under the keyring's current key: each message is decrypted (with the same
 * checks as {@link loadIndexKeys}) and its key bytes are encrypted again with the same version and
 * encryption context. The keys themselves do not change, so no blind index needs rebuilding. With a
 * `rotationKeyring`, the new messages are wrapped by `current` alone: this is how the index keys leave a
 * KMS key that is being retired. Returns the new messages in the order given.
 *
 * @example
 * ```ts
 * const keyring = rotationKeyring({ current: kmsKeyring({ generatorKeyId: newKeyArn }), previous: [kmsKeyring({ keyIds: [oldKeyArn] })] });
 * const rewrapped = await rewrapIndexKeys(keyring, splitIndexKeyMessages(readFileSync('.prisma-kms/index-keys', 'utf8')));
 * ```
 */
export async function rewrapIndexKeys(
  keyring: KeyringNode,
  messages: readonly string[],
  options: Pick<LoadIndexKeysOptions, 'encryptionContext'> = {},
): Promise<string[]> {
  const extra = options.encryptionContext ?? {};
  assertStaticContext(extra);
  const versions = new Set<number>();
  const rewrapped: string[] = [];
  for (const [position, message] of messages.entries()) {
    const { version, key } = await decryptIndexKey(keyring, message, extra, position);
    try {
      if (versions.has(version)) {
        throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, `two index keys have version ${version}: keep one key per version`);
      }
      versions.add(version);
      rewrapped.push(await encryptIndexKey(keyring, key, version, extra, `the keyring could not re-wrap index key #${position + 1}`));
    } finally {
      key.fill(0);
    }
  }
  return rewrapped;
}

/**
 * The wrapping keys of an index key message, read from its header (no KMS call): for KMS, the key ARNs
 * that can unwrap it. Throws for text that is not an Encryption SDK message. Pure.
 *
 * @example
 * ```ts
 * indexKeyWrappingKeys(message); // [{ providerId: 'aws-kms', keyId: 'arn:aws:kms:...:key/...' }]
 * ```
 */
export function indexKeyWrappingKeys(message: string): { readonly version: number | undefined; readonly wrappingKeys: WrappingKeyRef[] } {
  let header: ReturnType<typeof parseMessageHeader>;
  try {
    header = parseMessageHeader(Buffer.from(message.trim(), 'base64'));
  } catch (cause) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_UNREADABLE, 'an index key message is not an Encryption SDK message', { cause });
  }
  const versionText = header.encryptionContext[INDEX_KEY_CONTEXT.versionKey];
  return {
    version: versionText !== undefined && VERSION_TEXT.test(versionText) ? Number(versionText) : undefined,
    wrappingKeys: header.encryptedDataKeys.map(wrappingKeyOf),
  };
}

async function encryptIndexKey(
  keyring: KeyringNode,
  key: Buffer,
  version: number,
  extra: Readonly<Record<string, string>>,
  failure: string,
): Promise<string> {
  try {
    const { result } = await sdk.encrypt(keyring, key, {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { ...extra, ...indexKeyContext(version) },
    });
    return result.toString('base64');
  } catch (cause) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_UNREADABLE, failure, { cause });
  }
}

export interface LoadIndexKeysOptions {
  /** The version new indexes are written with. Default: the highest version loaded. */
  readonly current?: number;
  /** The extra encryption context the keys were created with (see {@link CreateIndexKeyOptions}). */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/**
 * The index keys held in memory, by version. It carries no key bytes you can reach: printing or
 * serializing it shows the versions only. Pass it to `createBlindIndexer`.
 */
export interface IndexKeySet {
  /** The version writes use. */
  readonly current: number;
  /** Every version held: the current one first, then the others from the highest down. */
  readonly versions: readonly number[];
}

// The key bytes live beside the set, not on it, so a log line or JSON.stringify of a set cannot leak them.
const keyMaterial = new WeakMap<IndexKeySet, ReadonlyMap<number, Buffer>>();

/**
 * Decrypts index key messages with the keyring (KMS is called once per message) and holds the keys in
 * memory. Each message must carry the index-key encryption context, and two messages must not hold the
 * same version. Surrounding white space (a trailing newline in a file) is ignored.
 *
 * @example
 * ```ts
 * const keys = await loadIndexKeys(keyring, [readFileSync('.prisma-kms/index-key', 'utf8')]);
 * keys.current; // 1
 * ```
 */
export async function loadIndexKeys(
  keyring: KeyringNode,
  messages: readonly string[],
  options: LoadIndexKeysOptions = {},
): Promise<IndexKeySet> {
  if (messages.length === 0) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, 'no index key was given: create one with `prisma-kms keys create-index-key`');
  }
  const extra = options.encryptionContext ?? {};
  assertStaticContext(extra);
  const keys = new Map<number, Buffer>();
  for (const [position, message] of messages.entries()) {
    const { version, key } = await decryptIndexKey(keyring, message, extra, position);
    if (keys.has(version)) {
      key.fill(0);
      throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, `two index keys have version ${version}: keep one key per version`);
    }
    keys.set(version, key);
  }
  const highestFirst = [...keys.keys()].sort((a, b) => b - a);
  const current = options.current ?? highestFirst[0]!;
  if (!keys.has(current)) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, `the current index key version ${current} is not among the keys loaded (${highestFirst.join(', ')})`);
  }
  return keySet(keys, current);
}

/**
 * An index key set over key bytes already held (a key store's `blind-index` rows, unwrapped and checked
 * by the key store): the current version is the highest. The set takes the buffers as they are; their
 * owner zeroes them. Internal: never exported from the package.
 * @internal
 */
export function indexKeySetOf(keys: ReadonlyMap<number, Buffer>): IndexKeySet {
  const highestFirst = [...keys.keys()].sort((a, b) => b - a);
  if (highestFirst.length === 0) throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, 'no index key was given');
  for (const version of highestFirst) assertVersion(version);
  for (const key of keys.values()) {
    if (key.length !== INDEX_KEY_BYTES) throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_LENGTH, `an index key is ${INDEX_KEY_BYTES} bytes long`);
  }
  return keySet(new Map(keys), highestFirst[0]!);
}

/** The set over `keys` (held for it), `current` first, then the others highest first. */
function keySet(keys: Map<number, Buffer>, current: number): IndexKeySet {
  const others = [...keys.keys()].filter((v) => v !== current).sort((a, b) => b - a);
  const set: IndexKeySet = Object.freeze({ current, versions: Object.freeze([current, ...others]) });
  keyMaterial.set(set, keys);
  return set;
}

/**
 * Splits the text of an index key file or variable into messages: one per line, blank lines and lines
 * starting with `#` ignored. Pure, for the CLI and the extension's configuration.
 *
 * @example
 * ```ts
 * const keys = await loadIndexKeys(keyring, splitIndexKeyMessages(process.env.PRISMA_KMS_INDEX_KEYS ?? ''));
 * ```
 */
export function splitIndexKeyMessages(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The key bytes of one version of a set. Internal to the blind-index module: never exported from the package.
 * @internal
 */
export function indexKeyBytes(set: IndexKeySet, version: number): Buffer {
  const key = keyMaterial.get(set)?.get(version);
  if (key === undefined) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, `no index key of version ${version} is held (an IndexKeySet must come from loadIndexKeys)`);
  }
  return key;
}

async function decryptIndexKey(
  keyring: KeyringNode,
  message: string,
  extra: Readonly<Record<string, string>>,
  position: number,
): Promise<{ version: number; key: Buffer }> {
  let decrypted: { plaintext: Buffer; messageHeader: { encryptionContext: Readonly<Record<string, string>> } };
  try {
    decrypted = await sdk.decrypt(keyring, Buffer.from(message.trim(), 'base64'));
  } catch (cause) {
    throw new BlindIndexError(
      BlindIndexErrorReason.INDEX_KEY_UNREADABLE,
      `index key #${position + 1} could not be decrypted with this keyring (another key, a missing permission, or not an index key message)`,
      { cause },
    );
  }
  const { plaintext, messageHeader } = decrypted;
  const context = messageHeader.encryptionContext;
  const versionText = context[INDEX_KEY_CONTEXT.versionKey];
  const unexpectedKeys = Object.keys(context).filter(
    (k) => k !== INDEX_KEY_CONTEXT.purposeKey && k !== INDEX_KEY_CONTEXT.versionKey && !(k in extra) && !k.startsWith(SDK_RESERVED_CONTEXT_PREFIX),
  );
  const mismatchedKeys = Object.keys(extra).filter((k) => context[k] !== extra[k]);
  if (
    context[INDEX_KEY_CONTEXT.purposeKey] !== INDEX_KEY_CONTEXT.purpose ||
    versionText === undefined ||
    !VERSION_TEXT.test(versionText) ||
    Number(versionText) > MAX_VERSION ||
    mismatchedKeys.length > 0 ||
    unexpectedKeys.length > 0
  ) {
    plaintext.fill(0);
    // Key names only: context values may be application data.
    throw new BlindIndexError(
      BlindIndexErrorReason.INDEX_KEY_CONTEXT,
      `message #${position + 1} is not an index key for this application: its encryption context differs` +
        (mismatchedKeys.length + unexpectedKeys.length > 0 ? ` (keys: ${[...mismatchedKeys, ...unexpectedKeys].join(', ')})` : ''),
    );
  }
  if (plaintext.length !== INDEX_KEY_BYTES) {
    plaintext.fill(0);
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_LENGTH, `index key #${position + 1} is not ${INDEX_KEY_BYTES} bytes long`);
  }
  // Own copy, then wipe the SDK's buffer.
  const key = Buffer.from(plaintext);
  plaintext.fill(0);
  return { version: Number(versionText), key };
}

function indexKeyContext(version: number): Record<string, string> {
  return { [INDEX_KEY_CONTEXT.purposeKey]: INDEX_KEY_CONTEXT.purpose, [INDEX_KEY_CONTEXT.versionKey]: String(version) };
}

function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_VERSION) {
    throw new BlindIndexError(BlindIndexErrorReason.INDEX_KEY_VERSIONS, `an index key version is an integer from 1 to ${MAX_VERSION}`);
  }
}

function assertStaticContext(extra: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(extra)) {
    if (k.startsWith('prisma-kms:') || k.startsWith(SDK_RESERVED_CONTEXT_PREFIX) || typeof v !== 'string') {
      throw new BlindIndexError(BlindIndexErrorReason.INVALID_OPTIONS, `encryption context key \`${k}\` is reserved or its value is not a string`);
    }
  }
}
