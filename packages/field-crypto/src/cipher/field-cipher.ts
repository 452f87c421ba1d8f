import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  CommitmentPolicySuites,
  KeyringNode,
  NodeAlgorithmSuite,
  type EncryptionContext,
} from '@aws-crypto/client-node';
import { MalformedMessageError, MessageAuthenticationError, isCodecError } from '../codec';
import {
  CommitmentPolicyError,
  ConfigurationError,
  DecryptionError,
  EncryptionError,
  MalformedCiphertextError,
  isFieldCryptoError,
  type FieldCommitmentPolicy,
  type FieldCryptoError,
} from '../errors';
import { CachingMaterialsManager, type MaterialsCounters } from '../materials/caching-materials-manager';
import { dataKeyCacheLimits, type DataKeyCacheOptions } from '../materials/cache-limits';
import { FailedUnwrapCache, type FailedUnwrapCacheOptions } from '../materials/failed-unwrap-cache';
import { checkContext, describeContext, fieldContext, validateStaticContext, type FieldRef } from './encryption-context';
import {
  canDecodeFast,
  canEncodeFast,
  contextAndKeysSection,
  decodeFast,
  decryptWithSdk,
  encodeFast,
  encryptWithSdk,
  readMessage,
} from './message-engine';
import { wrappingKeyOf, type StoredValue, type WrappingKeyRef } from './stored-value';
import { classifyCompactValue, fieldKeyInfo } from '../compact';
import type { KeyStore } from '../key-store/key-store';
import { checkKeyScope, CompactEngine } from './compact-engine';
import { processInSlices } from './sliced-batch';
import { configuredWrappingKey } from './configured-wrapping-key';

/** Options of {@link createFieldCipher}. */
export interface FieldCipherOptions {
  /**
   * Any Encryption SDK keyring: {@link kmsKeyring}, {@link localAesKeyring}, {@link multiKeyring}, or your own.
   * It reads and writes standalone messages; with a `keyStore` it may be left out (the store's keyring is used).
   */
  readonly keyring?: KeyringNode;
  /**
   * How new values are written (reads accept both):
   * - `'message'` (default without a key store): one standalone Encryption SDK message per value;
   * - `'compact'` (default with a key store): the compact format of docs/format.md under the key store's
   *   current key version: 56 characters for 9 bytes, one KMS Decrypt per key version per process per TTL.
   */
  readonly format?: 'message' | 'compact';
  /** Key versions for compact values: {@link createKeyStore}. Needed to write or read compact values. */
  readonly keyStore?: KeyStore;
  /** Data-key cache limits (defaults: 5 minutes, 2^32 messages, 2^53-1 bytes, 1,000 keys); `false` turns the cache off. */
  readonly cache?: DataKeyCacheOptions | false;
  /** Static application context added to every value, e.g. `{ app: 'billing' }`; checked on every decrypt. */
  readonly encryptionContext?: Record<string, string>;
  /** Algorithm suite of new values. Default (and the only one the fast codec writes): ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY. */
  readonly suite?: AlgorithmSuiteIdentifier;
  /**
   * Which messages may be read. New values are always written with key commitment (v2).
   * - `'REQUIRE_ENCRYPT_REQUIRE_DECRYPT'` (default): only committing (v2) messages are read; a v1 message
   *   is refused with a `CommitmentPolicyError` before any key is asked for.
   * - `'REQUIRE_ENCRYPT_ALLOW_DECRYPT'`: v1 messages without key commitment are read too, e.g. values
   *   written by another Encryption SDK or an older library. Turn it off again once they are re-encrypted.
   */
  readonly commitmentPolicy?: FieldCommitmentPolicy;
  /**
   * The most encrypted data keys (one per wrapping key) a stored value may carry. Default 3 (a generator
   * and two more keys, e.g. a second Region and a recovery key); raise it if your keyring wraps each data
   * key more often. A value with more is refused with an `EncryptedDataKeyLimitError` before any keyring
   * call: otherwise a forged value naming your KMS key hundreds of times costs a KMS Decrypt for each.
   * Encrypting with a keyring that wraps more often than this fails, so no value is written unreadable.
   */
  readonly maxEncryptedDataKeys?: number;
  /**
   * How long and how many failed unwraps are remembered (keyed by a hash of the value's context and
   * encrypted data keys), so a hot row with a forged or damaged data key costs one round of KMS calls per
   * `maxAgeMs` instead of one per read. Only lasting failures (KMS answered InvalidCiphertext, IncorrectKey,
   * NotFound, Disabled...; no key matched) are remembered, never throttling, timeouts or AccessDenied.
   * Default `{ maxAgeMs: 10_000, capacity: 1000 }`; `false` turns it off.
   */
  readonly failedUnwrapCache?: FailedUnwrapCacheOptions | false;
}

/** The default of {@link FieldCipherOptions.maxEncryptedDataKeys}. */
export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 3;
/** The message format stores the count in a uint16. */
const MAX_ENCRYPTED_DATA_KEYS_LIMIT = 0xffff;

/** Counters since the cipher was created. A snapshot: read `cipher.stats` again for fresh numbers. */
export interface CipherStats {
  /** Values encrypted / decrypted successfully. */
  readonly encrypted: number;
  readonly decrypted: number;
  /** Values written / read by the fast codec, and by the SDK's own encrypt/decrypt (the fallback). */
  readonly fastEncrypts: number;
  readonly sdkEncrypts: number;
  readonly fastDecrypts: number;
  readonly sdkDecrypts: number;
  /** Data-key cache lookups that found a usable key, and those that did not. */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Calls into the keyring: new data keys (KMS GenerateDataKey) and unwrapped data keys (KMS Decrypt). */
  readonly keyringGenerateCalls: number;
  readonly keyringDecryptCalls: number;
  /** Decrypts refused without a keyring call because the same data keys failed to unwrap moments ago. */
  readonly failedUnwrapRecalls: number;
}

/** One value, the field it belongs to and, for writes, the key scope it is encrypted under. */
export interface FieldValue {
  readonly value: string;
  readonly field: FieldRef;
  /**
   * The key scope of a write (a tenant or user id): the value is written as a compact value under the
   * scope's current key version (`keyStore.currentKeyVersion(scope)`). `''` or absent: the application's
   * key, as without scopes. Ignored by decrypt: a value names its own key version.
   */
  readonly scope?: string;
  /**
   * Decrypt only: the key scopes the value may be under (`''`: the application's key, which also covers
   * Encryption SDK messages). A value under a key version of any other scope is refused with a
   * KeyStoreError `KEY_SCOPE_MISMATCH` before it is decrypted: a tenant's value copied into another
   * tenant's row. Absent: any scope (a read across scopes).
   *
   * @example
   * ```ts
   * await cipher.decryptMany([{ value: row.email, field: { model: 'TenantMember', field: 'email' }, acceptScopes: [row.tenantId] }]);
   * ```
   */
  readonly acceptScopes?: readonly string[];
}

/**
 * Encrypts and decrypts field values. Each value becomes one AWS Encryption SDK message (format
 * `'message'`, bound to its model and field by the encryption context) or one compact value under a
 * key-store version (format `'compact'`, bound by its per-field key); reads accept both.
 */
export interface FieldCipher {
  /**
   * Encrypts one value for `field`: base64 (standard, padded) of one Encryption SDK message or compact
   * value. With a `scope` (see {@link FieldValue.scope}): a compact value under that scope's key.
   */
  encrypt(plaintext: string, field: FieldRef, scope?: string): Promise<string>;
  /** Decrypts a value read from `field`; fails if it was written for another field (context check). */
  decrypt(ciphertext: string, field: FieldRef): Promise<string>;
  /** {@link FieldCipher.encrypt} for many values; order preserved; concurrent cache misses share keyring calls. */
  encryptMany(items: ReadonlyArray<FieldValue>): Promise<string[]>;
  /** {@link FieldCipher.decrypt} for many values; order preserved; rejects with the first failure. */
  decryptMany(items: ReadonlyArray<FieldValue>): Promise<string[]>;
  /**
   * Parses the header only (no key needed): plaintext; ciphertext with its context and wrapping keys; or
   * malformed (starts like a message but is damaged: never to be treated as plaintext).
   */
  inspect(value: string): StoredValue;
  /** The key new data keys are wrapped by (KMS: the key ARN KMS resolved). Asks the keyring once. */
  currentWrappingKey(): Promise<WrappingKeyRef>;
  /**
   * The same key as read from the keyring's configuration, without any call (no KMS request): undefined
   * when only KMS can tell (an alias or bare key id as generator, a custom keyring).
   */
  configuredWrappingKey(): WrappingKeyRef | undefined;
  /**
   * How new values are written (`options.format`). With `'compact'`, the current key is the key store's
   * current version, which {@link FieldCipher.configuredWrappingKey} cannot name: tools read it from the
   * store's rows (`prisma-kms status`).
   *
   * @example
   * ```ts
   * createFieldCipher({ keyring, keyStore }).format; // 'compact'
   * ```
   */
  readonly format: 'message' | 'compact';
  readonly stats: CipherStats;
}

type Counters = { -readonly [K in keyof CipherStats]: number } & MaterialsCounters;

/** Everything about a field that does not change between values, computed on first use. */
interface FieldScheme {
  readonly field: FieldRef;
  readonly encryptionContext: Readonly<EncryptionContext>;
  readonly cacheKey: string;
  /** HKDF info of the field's compact key (one buffer per field: key versions cache by its identity). */
  readonly compactInfo: Buffer | undefined;
}

/**
 * Creates a {@link FieldCipher}. Options are validated here, once; the hot path trusts them.
 *
 * @example
 * ```ts
 * const cipher = createFieldCipher({
 *   keyring: kmsKeyring({ generatorKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/...' }),
 *   cache: { maxAgeMs: 60_000, maxMessages: 100_000 },
 *   encryptionContext: { app: 'billing' },
 * });
 * const stored = await cipher.encrypt('ada@example.com', { model: 'User', field: 'email' });
 * const email = await cipher.decrypt(stored, { model: 'User', field: 'email' });
 * ```
 */
export function createFieldCipher(options: FieldCipherOptions): FieldCipher {
  const keyring = options?.keyring ?? options?.keyStore?.keyring;
  if (!options || !(keyring instanceof KeyringNode)) {
    throw new ConfigurationError('createFieldCipher needs a keyring (an Encryption SDK KeyringNode)');
  }
  const format = options.format ?? (options.keyStore ? 'compact' : 'message');
  if (format !== 'message' && format !== 'compact') throw new ConfigurationError("format must be 'message' or 'compact'");
  if (format === 'compact' && !options.keyStore) throw new ConfigurationError("format 'compact' needs a keyStore (createKeyStore)");
  const staticContext = validateStaticContext(options.encryptionContext);
  const suite = encryptSuite(options.suite ?? AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  const limits = options.cache === false ? false : dataKeyCacheLimits(options.cache ?? {});
  const policy = commitmentPolicy(options.commitmentPolicy);
  const maxEncryptedDataKeys = options.maxEncryptedDataKeys ?? DEFAULT_MAX_ENCRYPTED_DATA_KEYS;
  if (!Number.isSafeInteger(maxEncryptedDataKeys) || maxEncryptedDataKeys < 1 || maxEncryptedDataKeys > MAX_ENCRYPTED_DATA_KEYS_LIMIT) {
    throw new ConfigurationError(`maxEncryptedDataKeys must be an integer from 1 to ${MAX_ENCRYPTED_DATA_KEYS_LIMIT}`);
  }
  const failedUnwraps = options.failedUnwrapCache === false ? false : new FailedUnwrapCache(options.failedUnwrapCache ?? {});
  const compact = options.keyStore ? new CompactEngine(options.keyStore) : undefined;
  return new Cipher(keyring, limits, staticContext, suite, policy, { maxEncryptedDataKeys, failedUnwraps }, compact, format === 'compact');
}

const COMMITMENT_POLICIES: ReadonlySet<string> = new Set<FieldCommitmentPolicy>([
  'REQUIRE_ENCRYPT_REQUIRE_DECRYPT',
  'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
]);

function commitmentPolicy(policy: FieldCommitmentPolicy | undefined): FieldCommitmentPolicy {
  if (policy === undefined) return 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT';
  if (typeof policy !== 'string' || !COMMITMENT_POLICIES.has(policy)) {
    // Writing without commitment (FORBID_ENCRYPT_*) is never offered.
    throw new ConfigurationError(
      'commitmentPolicy must be REQUIRE_ENCRYPT_REQUIRE_DECRYPT or REQUIRE_ENCRYPT_ALLOW_DECRYPT',
    );
  }
  return policy;
}

function encryptSuite(id: AlgorithmSuiteIdentifier): NodeAlgorithmSuite {
  let suite: NodeAlgorithmSuite;
  try {
    suite = new NodeAlgorithmSuite(id);
  } catch (e) {
    throw new ConfigurationError('unknown algorithm suite', { cause: e });
  }
  try {
    CommitmentPolicySuites.isEncryptEnabled(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, suite);
  } catch (e) {
    throw new ConfigurationError('the algorithm suite must commit to its key (a v2 suite)', { cause: e });
  }
  return suite;
}

class Cipher implements FieldCipher {
  readonly #counters: Counters = {
    encrypted: 0,
    decrypted: 0,
    fastEncrypts: 0,
    sdkEncrypts: 0,
    fastDecrypts: 0,
    sdkDecrypts: 0,
    cacheHits: 0,
    cacheMisses: 0,
    keyringGenerateCalls: 0,
    keyringDecryptCalls: 0,
    failedUnwrapRecalls: 0,
  };
  readonly #materials: CachingMaterialsManager;
  readonly #staticContext: Readonly<EncryptionContext>;
  readonly #suite: NodeAlgorithmSuite;
  readonly #encodesFast: boolean;
  readonly #policy: FieldCommitmentPolicy;
  readonly #schemes = new Map<string, Map<string, FieldScheme>>();
  readonly #decryptSuites = new Map<number, NodeAlgorithmSuite>();
  #currentWrappingKey: Promise<WrappingKeyRef> | undefined;
  /** Reads (and, when `#writesCompact`, writes) compact values; undefined without a key store. */
  readonly #compact: CompactEngine | undefined;
  readonly #writesCompact: boolean;
  readonly #keyring: KeyringNode;

  constructor(
    keyring: KeyringNode,
    limits: ReturnType<typeof dataKeyCacheLimits> | false,
    staticContext: Readonly<EncryptionContext>,
    suite: NodeAlgorithmSuite,
    policy: FieldCommitmentPolicy,
    keyLimits: { readonly maxEncryptedDataKeys: number; readonly failedUnwraps: FailedUnwrapCache | false },
    compact: CompactEngine | undefined,
    writesCompact: boolean,
  ) {
    this.#compact = compact;
    this.#writesCompact = writesCompact;
    this.#policy = policy;
    this.#keyring = keyring;
    this.#materials = new CachingMaterialsManager({ keyring, limits, counters: this.#counters, describe: describeContext, ...keyLimits });
    this.#staticContext = staticContext;
    this.#suite = suite;
    this.#encodesFast = canEncodeFast(suite);
  }

  get stats(): CipherStats {
    return Object.freeze({ ...this.#counters });
  }

  get format(): 'message' | 'compact' {
    return this.#writesCompact ? 'compact' : 'message';
  }

  encrypt(plaintext: string, field: FieldRef, scope?: string): Promise<string> {
    return settle(() => this.#encryptOne(plaintext, field, scope));
  }

  decrypt(ciphertext: string, field: FieldRef): Promise<string> {
    return settle(() => this.#decryptOne(ciphertext, field));
  }

  encryptMany(items: ReadonlyArray<FieldValue>): Promise<string[]> {
    return this.#many(items, (item) => this.#encryptOne(item.value, item.field, item.scope));
  }

  decryptMany(items: ReadonlyArray<FieldValue>): Promise<string[]> {
    return this.#many(items, (item) => this.#decryptOne(item.value, item.field, item.acceptScopes));
  }

  inspect(value: string): StoredValue {
    const compact = classifyCompactValue(value);
    if (compact.kind === 'compact') return CompactEngine.describe(compact.keyVersionId);
    if (compact.kind === 'malformed') return { kind: 'malformed', reason: `compact-${compact.reason}` };
    const stored = readMessage(value);
    if (stored.kind === 'plaintext') return PLAINTEXT;
    if (stored.kind === 'malformed') return { kind: 'malformed', reason: stored.reason };
    const { version, suiteId, encryptionContext, encryptedDataKeys } = stored.header;
    return { kind: 'ciphertext', version, suiteId, encryptionContext, wrappingKeys: encryptedDataKeys.map(wrappingKeyOf) };
  }

  currentWrappingKey(): Promise<WrappingKeyRef> {
    // The key store's current version can change with a rotation: ask it (it caches for its TTL).
    if (this.#writesCompact && this.#compact) return this.#compact.currentWrappingKey();
    this.#currentWrappingKey ??= this.#materials.generatorWrappingKey(this.#suite, this.#staticContext).then(
      (edk) => wrappingKeyOf(edk),
      (e: unknown) => {
        this.#currentWrappingKey = undefined; // a failure (say, throttling) is not remembered
        throw e;
      },
    );
    return this.#currentWrappingKey;
  }

  configuredWrappingKey(): WrappingKeyRef | undefined {
    // Compact values name a key-store version, which only the store can tell: no answer without a call.
    if (this.#writesCompact) return undefined;
    return configuredWrappingKey(this.#keyring);
  }

  /** Encrypts one value: synchronously on a warm cache (fast codec), else a promise. */
  #encryptOne(plaintext: string, field: FieldRef, scope: string | undefined): string | Promise<string> {
    const scheme = this.#scheme(field);
    if (typeof plaintext !== 'string') {
      throw new EncryptionError('only strings can be encrypted', { model: field.model, field: field.field });
    }
    // A scope needs a key store's scope keys: a standalone message under the application's keyring would
    // silently escape the scope (no shredding, no BYOK), so it is refused, never written.
    if (scope !== undefined && scope !== '' && !this.#writesCompact) {
      throw new ConfigurationError("a value with a key scope is written as a compact value: use format 'compact' with a keyStore", { model: field.model, field: field.field });
    }
    const bytes = Buffer.from(plaintext, 'utf8');
    if (this.#writesCompact && this.#compact) {
      const encoded = this.#compact.encrypt(bytes, scheme, scope);
      return typeof encoded === 'string' ? this.#encrypted(encoded, true) : encoded.then((value) => this.#encrypted(value, true));
    }
    try {
      if (this.#encodesFast) {
        const request = {
          suite: this.#suite,
          encryptionContext: scheme.encryptionContext,
          plaintextLength: bytes.byteLength,
          cacheKey: scheme.cacheKey,
        };
        const encoded = this.#materials.useEncryptionMaterial(request, (material) => encodeFast(material, bytes));
        if (encoded instanceof Promise) return encoded.then((message) => this.#encrypted(message, true), (e) => this.#encryptFailed(e, field));
        return this.#encrypted(encoded, true);
      }
      return encryptWithSdk(this.#materials, bytes, this.#suite, scheme.encryptionContext).then(
        (message) => this.#encrypted(message, false),
        (e) => this.#encryptFailed(e, field),
      );
    } catch (e) {
      return this.#encryptFailed(e, field);
    }
  }

  /** Decrypts one value: synchronously on a warm cache when the codec can read it, else a promise. */
  #decryptOne(ciphertext: string, field: FieldRef, acceptScopes?: readonly string[]): string | Promise<string> {
    const scheme = this.#scheme(field);
    const compact = classifyCompactValue(ciphertext);
    if (compact.kind !== 'not-compact') {
      if (compact.kind === 'malformed') {
        throw new MalformedCiphertextError(`the stored value is a damaged compact value (${compact.reason})`, { model: field.model, field: field.field });
      }
      if (!this.#compact) {
        throw new ConfigurationError('the stored value is a compact value: give createFieldCipher a keyStore to read it', { model: field.model, field: field.field });
      }
      const plaintext = this.#compact.decrypt(compact, scheme, acceptScopes);
      return plaintext instanceof Promise ? plaintext.then((p) => this.#decrypted(p, true)) : this.#decrypted(plaintext, true);
    }
    const stored = readMessage(ciphertext);
    if (stored.kind === 'plaintext') {
      throw new MalformedCiphertextError('the stored value is not a base64 AWS Encryption SDK message', {
        model: field.model,
        field: field.field,
      });
    }
    if (stored.kind === 'malformed') {
      throw new MalformedCiphertextError(`the stored value is a damaged AWS Encryption SDK message (${stored.reason})`, {
        model: field.model,
        field: field.field,
      });
    }
    // An Encryption SDK message is under the application's keyring: its key scope is ''.
    checkKeyScope('', acceptScopes, field);
    const { header } = stored;
    // Every v1 suite lacks key commitment; refuse before asking any key (and KMS) for it.
    if (header.version === 1 && this.#policy === 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT') {
      throw new CommitmentPolicyError(
        'the stored value is a v1 message without key commitment, which the commitment policy ' +
          "REQUIRE_ENCRYPT_REQUIRE_DECRYPT refuses; use commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' to read it",
        this.#policy,
        { model: field.model, field: field.field },
      );
    }
    checkContext(header.encryptionContext, field, this.#staticContext);
    try {
      if (canDecodeFast(header)) {
        const request = {
          suite: this.#decryptSuite(header.suiteId),
          encryptionContext: header.encryptionContext,
          encryptedDataKeys: header.encryptedDataKeys,
          headerContextAndKeys: contextAndKeysSection(header),
        };
        const decoded = this.#materials.useDecryptionMaterial(request, (material) => decodeFast(stored, material));
        if (decoded instanceof Promise) return decoded.then((plaintext) => this.#decrypted(plaintext, true), (e) => this.#decryptFailed(e, field));
        return this.#decrypted(decoded, true);
      }
      return decryptWithSdk(this.#materials, stored.message, this.#policy).then(
        (plaintext) => this.#decrypted(plaintext, false),
        (e) => this.#decryptFailed(e, field),
      );
    } catch (e) {
      return this.#decryptFailed(e, field);
    }
  }

  #encrypted(message: Buffer | string, fast: boolean): string {
    this.#counters.encrypted += 1;
    if (fast) this.#counters.fastEncrypts += 1;
    else this.#counters.sdkEncrypts += 1;
    return typeof message === 'string' ? message : message.toString('base64');
  }

  #decrypted(plaintext: Buffer, fast: boolean): string {
    this.#counters.decrypted += 1;
    if (fast) this.#counters.fastDecrypts += 1;
    else this.#counters.sdkDecrypts += 1;
    const text = plaintext.toString('utf8');
    plaintext.fill(0);
    return text;
  }

  #encryptFailed(e: unknown, field: FieldRef): never {
    if (isFieldCryptoError(e)) throw e;
    throw new EncryptionError('the value could not be encrypted', { model: field.model, field: field.field, cause: e });
  }

  #decryptFailed(e: unknown, field: FieldRef): never {
    throw decryptionError(e, field);
  }

  #scheme(field: FieldRef): FieldScheme {
    const byField = field ? this.#schemes.get(field.model) : undefined;
    const known = byField?.get(field.field);
    if (known) return known;
    if (!field || typeof field.model !== 'string' || !field.model || typeof field.field !== 'string' || !field.field) {
      throw new ConfigurationError('a field reference needs a non-empty model and field name');
    }
    const ref = Object.freeze({ model: field.model, field: field.field });
    const encryptionContext = fieldContext(ref, this.#staticContext);
    const compactInfo = this.#compact ? fieldKeyInfo(ref, this.#staticContext) : undefined;
    if (this.#compact && !compactInfo) {
      throw new ConfigurationError('the model and field names and the static context are too long for a compact field key (1,024 bytes)', ref);
    }
    const scheme = { field: ref, encryptionContext, cacheKey: this.#materials.encryptionCacheKey(this.#suite, encryptionContext), compactInfo };
    if (byField) byField.set(field.field, scheme);
    else this.#schemes.set(field.model, new Map([[field.field, scheme]]));
    return scheme;
  }

  #decryptSuite(id: number): NodeAlgorithmSuite {
    let suite = this.#decryptSuites.get(id);
    if (!suite) {
      suite = new NodeAlgorithmSuite(id as AlgorithmSuiteIdentifier);
      this.#decryptSuites.set(id, suite);
    }
    return suite;
  }

  /**
   * Runs `one` over the items in slices that yield to the event loop (sliced-batch.ts: the budget and the
   * yield; a warm cache makes every item synchronous, and 100,000 of them would otherwise hold the loop
   * for seconds).
   */
  #many(items: ReadonlyArray<FieldValue>, one: (item: FieldValue) => string | Promise<string>): Promise<string[]> {
    return processInSlices(items, one, settleAll);
  }
}

const PLAINTEXT: StoredValue = Object.freeze({ kind: 'plaintext' });

/**
 * Waits for every keyring call of a batch, then fails with the first failure (in item order). A batch
 * never rejects while one of its KMS calls is still in flight: a retry then starts fresh calls instead
 * of joining (through single-flight) a call that is about to fail with the old fault.
 */
async function settleAll(pending: readonly Promise<void>[]): Promise<void> {
  const outcomes = await Promise.allSettled(pending);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One value as a promise: a synchronous result or throw (a warm cache, a refused input) becomes one too. */
function settle(run: () => string | Promise<string>): Promise<string> {
  try {
    const result = run();
    return typeof result === 'string' ? Promise.resolve(result) : result;
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Turns any decrypt failure into a typed error that names the field (never carrying bytes of the value). */
function decryptionError(e: unknown, field: FieldRef): FieldCryptoError {
  const where = { model: field.model, field: field.field, cause: e };
  if (isFieldCryptoError(e)) return e;
  if (e instanceof MalformedMessageError) {
    return new MalformedCiphertextError(`the stored value is not a well-formed message (${e.reason})`, where);
  }
  if (e instanceof MessageAuthenticationError) {
    return new DecryptionError(`the stored value failed authentication (${e.reason}): tampered, or not written with this data key`, where);
  }
  if (isCodecError(e)) return new DecryptionError('the codec refused the stored value', where);
  return new DecryptionError('the AWS Encryption SDK could not decrypt the stored value', where);
}
