import { randomUUID } from 'node:crypto';
import {
  CommitmentPolicy,
  type NodeAlgorithmSuite,
  NodeDefaultCryptographicMaterialsManager,
  EncryptedDataKey,
  type EncryptionContext,
  type KeyringNode,
  type NodeDecryptionMaterial,
  type NodeDecryptionRequest,
  type NodeEncryptionMaterial,
  type NodeEncryptionRequest,
  type NodeMaterialsManager,
} from '@aws-crypto/client-node';
import {
  getLocalCryptographicMaterialsCache,
  type CryptographicMaterialsCache,
  type Entry,
} from '@aws-crypto/cache-material';
import { cloneMaterial } from '@aws-crypto/material-management';
import { EncryptedDataKeyLimitError, KeyringError, type FieldCryptoErrorOptions } from '../errors';
import { withKmsErrorTrail, type KmsFailure } from '../keyrings/kms-error-trail';
import { KMS_TIMEOUT_ERROR_NAME, KMS_UNREACHABLE_ERROR_NAME } from '../keyrings/kms-client';
import { decryptionCacheKey, decryptionCacheKeyOfHeader, encryptionCacheKey, partitionHash } from './cache-key';
import type { DataKeyCacheLimits } from './cache-limits';
import { isLastingUnwrapFailure, type FailedUnwrapCache } from './failed-unwrap-cache';

/** Marks the context of the one-off request `generatorWrappingKey` makes, so KMS logs can tell it apart. */
const PROBE_CONTEXT_KEY = 'prisma-kms:purpose';

/** An encrypted data key as the SDK or the codec represents it. */
export type EncryptedDataKeyFields = Pick<EncryptedDataKey, 'providerId' | 'providerInfo' | 'encryptedDataKey' | 'rawInfo'>;

/** Counters the manager keeps; the cipher exposes them as `stats`. */
export interface MaterialsCounters {
  cacheHits: number;
  cacheMisses: number;
  keyringGenerateCalls: number;
  keyringDecryptCalls: number;
  /** Decrypts refused at once because the same data keys failed to unwrap moments ago. */
  failedUnwrapRecalls: number;
}

export interface CachingMaterialsManagerOptions {
  readonly keyring: KeyringNode;
  /** `false` turns caching off: every request asks the keyring (and KMS). */
  readonly limits: DataKeyCacheLimits | false;
  readonly counters: MaterialsCounters;
  /** Names the model and field of an encryption context, for error messages. */
  readonly describe?: (context: EncryptionContext) => FieldCryptoErrorOptions;
  /**
   * The most encrypted data keys a message may carry: a message with more is refused before any keyring
   * call, and a keyring that wraps each data key more often is refused when it does.
   */
  readonly maxEncryptedDataKeys: number;
  /** Remembers failed unwraps briefly; `false`: every read of a bad value asks the keyring again. */
  readonly failedUnwraps: FailedUnwrapCache | false;
}

/** What an encrypt needs materials for. */
export interface EncryptionMaterialRequest {
  readonly suite: NodeAlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  /** Bytes of the plaintext about to be encrypted, for the maxBytes limit. */
  readonly plaintextLength: number;
  /** A precomputed {@link CachingMaterialsManager.encryptionCacheKey} for this suite and context. */
  readonly cacheKey?: string;
}

/** What a decrypt needs materials for: the message header's suite, context and EDKs. */
export interface DecryptionMaterialRequest {
  readonly suite: NodeAlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: ReadonlyArray<EncryptedDataKeyFields>;
  /**
   * The message header's serialized context and EDK sections, when the caller has them: the cache key is
   * then one hash of these bytes instead of the SDK-shaped key.
   */
  readonly headerContextAndKeys?: Uint8Array;
}

/**
 * The data-key cache: a cryptographic materials manager (CMM) in front of
 * `NodeDefaultCryptographicMaterialsManager(keyring)` that keeps data keys in the SDK's own local cache
 * (`getLocalCryptographicMaterialsCache`: LRU, message and byte accounting, zeroing on eviction) and
 * enforces the same limits as the SDK's `NodeCachingMaterialsManager`. It adds two things the SDK's lacks:
 *
 * - **synchronous hits.** `useEncryptionMaterial`/`useDecryptionMaterial` hash the cache key with
 *   synchronous SHA-512 and run `use` at once when the cache holds the key, so a warm encrypt or decrypt
 *   does no async work. `use` gets the cached material itself, not a copy: it must be synchronous and
 *   must not keep the material (it is zeroed when the entry is evicted).
 * - **single-flight.** Concurrent misses for the same cache key share one keyring call. When the flight
 *   lands, its owner stores the material (counting its own message) and uses it in the same synchronous
 *   step; every waiter then takes its own count from the cache, and if a limit is reached, starts a new
 *   flight. A cold batch of N values for one field costs one GenerateDataKey as long as the limits allow.
 *
 * It is also a plain `NodeMaterialsManager`, so the SDK's own `encrypt`/`decrypt` can use it (they get
 * clones, which they zero when done).
 */
export class CachingMaterialsManager implements NodeMaterialsManager {
  readonly #backing: NodeDefaultCryptographicMaterialsManager;
  readonly #cache: CryptographicMaterialsCache<NodeAlgorithmSuite> | undefined;
  readonly #limits: DataKeyCacheLimits | false;
  readonly #counters: MaterialsCounters;
  readonly #describe: (context: EncryptionContext) => FieldCryptoErrorOptions;
  readonly #maxEncryptedDataKeys: number;
  readonly #failedUnwraps: FailedUnwrapCache | false;
  /** A random partition: entries of two managers can never be confused, even in a shared cache. */
  readonly #partition = partitionHash(randomUUID());
  readonly #headerCacheKeys = new WeakMap<object, { readonly suiteId: number; readonly cacheKey: string }>();
  readonly #encryptFlights = new Map<string, Promise<unknown>>();
  readonly #decryptFlights = new Map<string, Promise<unknown>>();

  constructor(options: CachingMaterialsManagerOptions) {
    this.#backing = new NodeDefaultCryptographicMaterialsManager(options.keyring);
    this.#limits = options.limits;
    this.#cache = options.limits ? getLocalCryptographicMaterialsCache(options.limits.capacity) : undefined;
    this.#counters = options.counters;
    this.#describe = options.describe ?? (() => ({}));
    this.#maxEncryptedDataKeys = options.maxEncryptedDataKeys;
    this.#failedUnwraps = options.failedUnwraps;
  }

  /** The cache key of encryption materials for this suite and context (worth memoizing per field). */
  encryptionCacheKey(suite: NodeAlgorithmSuite, encryptionContext: EncryptionContext): string {
    return encryptionCacheKey(this.#partition, suite.id, encryptionContext);
  }

  /**
   * Runs `use` with encryption materials for the request: synchronously on a cache hit (the return value is
   * `use`'s), else after one shared keyring call (a promise).
   */
  useEncryptionMaterial<T>(request: EncryptionMaterialRequest, use: (material: NodeEncryptionMaterial) => T): T | Promise<T> {
    if (!this.#cache || !request.suite.cacheSafe) return this.#encryptUncached(request, use);
    const cacheKey = request.cacheKey ?? this.encryptionCacheKey(request.suite, request.encryptionContext);
    const material = this.#takeEncryptionMaterial(cacheKey, request.plaintextLength);
    if (material) {
      this.#counters.cacheHits += 1;
      return use(material);
    }
    this.#counters.cacheMisses += 1;
    return this.#encryptOnMiss(cacheKey, request, use);
  }

  /** Runs `use` with decryption materials for the message: synchronously on a hit, else after one shared keyring call. */
  useDecryptionMaterial<T>(request: DecryptionMaterialRequest, use: (material: NodeDecryptionMaterial) => T): T | Promise<T> {
    /* Precondition: a message names at most maxEncryptedDataKeys data keys, checked before any keyring call
     * (a forged value naming the application's KMS key 300 times would otherwise cost 300 KMS Decrypts). */
    const count = request.encryptedDataKeys.length;
    if (count > this.#maxEncryptedDataKeys) {
      throw new EncryptedDataKeyLimitError(count, this.#maxEncryptedDataKeys, this.#describe(request.encryptionContext));
    }
    if (!this.#cache || !request.suite.cacheSafe) return this.#decryptUncached(request, use);
    const cacheKey = this.#decryptionCacheKey(request);
    const material = this.#takeDecryptionMaterial(cacheKey);
    if (material) {
      this.#counters.cacheHits += 1;
      return use(material);
    }
    this.#counters.cacheMisses += 1;
    return this.#decryptOnMiss(cacheKey, request, use);
  }

  /**
   * The codec hands every message of one data key the same frozen EDK list (its parse memo shares the
   * decoded header sections only after comparing every byte), so the SHA-512 of those sections is
   * computed once per data key rather than once per value: about a tenth of a warm decrypt.
   */
  #decryptionCacheKey(request: DecryptionMaterialRequest): string {
    const { suite, encryptedDataKeys, headerContextAndKeys } = request;
    if (!headerContextAndKeys) return decryptionCacheKey(this.#partition, suite.id, encryptedDataKeys, request.encryptionContext);
    const memoizable = Object.isFrozen(encryptedDataKeys);
    const known = memoizable ? this.#headerCacheKeys.get(encryptedDataKeys) : undefined;
    if (known !== undefined && known.suiteId === suite.id) return known.cacheKey;
    const cacheKey = decryptionCacheKeyOfHeader(this.#partition, suite.id, headerContextAndKeys);
    if (memoizable) this.#headerCacheKeys.set(encryptedDataKeys, { suiteId: suite.id, cacheKey });
    return cacheKey;
  }

  /** `NodeMaterialsManager`: for the SDK's `encrypt`. Returns a clone the SDK zeroes after use. */
  async getEncryptionMaterials(request: NodeEncryptionRequest): Promise<NodeEncryptionMaterial> {
    const { suite, encryptionContext, plaintextLength } = request;
    /* Check for early return (Postcondition): without a known length or suite the SDK does not cache either. */
    if (!suite || typeof plaintextLength !== 'number' || plaintextLength < 0) {
      return this.#backingEncryption({ suite, encryptionContext });
    }
    return this.useEncryptionMaterial({ suite, encryptionContext, plaintextLength }, cloneMaterial);
  }

  /** `NodeMaterialsManager`: for the SDK's `decrypt`. Returns a clone the SDK zeroes after use. */
  async decryptMaterials(request: NodeDecryptionRequest): Promise<NodeDecryptionMaterial> {
    return this.useDecryptionMaterial(request, cloneMaterial);
  }

  /**
   * The EDK of the generator key for new data keys: asks the keyring for one set of encryption materials
   * (not cached, zeroed at once) and returns its first EDK. For KMS, its provider info is the key ARN.
   */
  async generatorWrappingKey(suite: NodeAlgorithmSuite, staticContext: EncryptionContext): Promise<EncryptedDataKey> {
    const material = await this.#backingEncryption({ suite, encryptionContext: { ...staticContext, [PROBE_CONTEXT_KEY]: 'current-wrapping-key' } });
    material.zeroUnencryptedDataKey();
    const [first] = material.encryptedDataKeys;
    if (!first) throw new KeyringError('the keyring produced a data key without an encrypted data key');
    return first;
  }

  #takeEncryptionMaterial(cacheKey: string, plaintextLength: number): NodeEncryptionMaterial | undefined {
    const cache = this.#cache!;
    // The SDK's cache adds this message and its bytes to the entry's counts as it returns it.
    const entry = cache.getEncryptionMaterial(cacheKey, plaintextLength);
    if (!entry) return undefined;
    if (this.#hasExceededLimits(entry)) {
      cache.del(cacheKey); // zeroes the data key
      return undefined;
    }
    return entry.response;
  }

  #takeDecryptionMaterial(cacheKey: string): NodeDecryptionMaterial | undefined {
    const cache = this.#cache!;
    const entry = cache.getDecryptionMaterial(cacheKey);
    if (!entry) return undefined;
    if (this.#hasExceededLimits(entry)) {
      cache.del(cacheKey);
      return undefined;
    }
    return entry.response;
  }

  /** The SDK's rule (`cacheEntryHasExceededLimits`): age, messages and bytes, each strictly over its limit. */
  #hasExceededLimits({ now, messagesEncrypted, bytesEncrypted }: Pick<Entry<NodeAlgorithmSuite>, 'now' | 'messagesEncrypted' | 'bytesEncrypted'>): boolean {
    const limits = this.#limits as DataKeyCacheLimits;
    return (
      Date.now() - now > limits.maxAgeMs ||
      messagesEncrypted > limits.maxMessages ||
      bytesEncrypted > limits.maxBytes
    );
  }

  async #encryptOnMiss<T>(cacheKey: string, request: EncryptionMaterialRequest, use: (m: NodeEncryptionMaterial) => T): Promise<T> {
    for (;;) {
      const flight = this.#encryptFlights.get(cacheKey);
      if (flight) {
        await flight; // a failed flight fails its waiters with the same error
        const material = this.#takeEncryptionMaterial(cacheKey, request.plaintextLength);
        if (material) return use(material);
        continue; // the limits were reached meanwhile: join or start the next flight
      }
      const landing = this.#backingEncryption(request);
      this.#encryptFlights.set(cacheKey, landing);
      let material: NodeEncryptionMaterial;
      try {
        material = await landing;
      } finally {
        this.#encryptFlights.delete(cacheKey);
      }
      // From here to `use` nothing awaits, so no one can evict (and zero) the material in between.
      if (!material.suite.cacheSafe) return useOnce(material, use);
      const firstUse = { now: Date.now(), messagesEncrypted: 1, bytesEncrypted: request.plaintextLength };
      /* Postcondition: material that exceeds a limit on its first message is used once and never cached. */
      if (this.#hasExceededLimits(firstUse)) return useOnce(material, use);
      const maxAge = (this.#limits as DataKeyCacheLimits).maxAgeMs;
      this.#cache!.putEncryptionMaterial(cacheKey, material, request.plaintextLength, maxAge); // counts this message
      return use(material);
    }
  }

  async #decryptOnMiss<T>(cacheKey: string, request: DecryptionMaterialRequest, use: (m: NodeDecryptionMaterial) => T): Promise<T> {
    for (;;) {
      const flight = this.#decryptFlights.get(cacheKey);
      if (flight) {
        await flight;
        const material = this.#takeDecryptionMaterial(cacheKey);
        if (material) return use(material);
        continue;
      }
      const landing = this.#backingDecryption(request, cacheKey);
      this.#decryptFlights.set(cacheKey, landing);
      let material: NodeDecryptionMaterial;
      try {
        material = await landing;
      } finally {
        this.#decryptFlights.delete(cacheKey);
      }
      if (!material.suite.cacheSafe) return useOnce(material, use);
      this.#cache!.putDecryptionMaterial(cacheKey, material, (this.#limits as DataKeyCacheLimits).maxAgeMs);
      return use(material);
    }
  }

  async #encryptUncached<T>(request: EncryptionMaterialRequest, use: (m: NodeEncryptionMaterial) => T): Promise<T> {
    this.#counters.cacheMisses += 1;
    return useOnce(await this.#backingEncryption(request), use);
  }

  async #decryptUncached<T>(request: DecryptionMaterialRequest, use: (m: NodeDecryptionMaterial) => T): Promise<T> {
    this.#counters.cacheMisses += 1;
    return useOnce(await this.#backingDecryption(request), use);
  }

  async #backingEncryption(request: Pick<NodeEncryptionRequest, 'suite' | 'encryptionContext'>): Promise<NodeEncryptionMaterial> {
    this.#counters.keyringGenerateCalls += 1;
    const failures: KmsFailure[] = [];
    let material: NodeEncryptionMaterial;
    try {
      // Nothing about the plaintext goes to the keyring: the material may encrypt many values.
      material = await withKmsErrorTrail(failures, () =>
        this.#backing.getEncryptionMaterials({
          suite: request.suite,
          encryptionContext: request.encryptionContext,
          commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
        }),
      );
    } catch (e) {
      throw this.#keyringError('the keyring could not generate a data key', e, failures, request.encryptionContext);
    }
    /* Postcondition: never write a value this cipher would refuse to read. */
    const count = material.encryptedDataKeys.length;
    if (count > this.#maxEncryptedDataKeys) {
      material.zeroUnencryptedDataKey();
      throw new KeyringError(
        `the keyring wraps each data key ${count} times, more than maxEncryptedDataKeys (${this.#maxEncryptedDataKeys}): raise maxEncryptedDataKeys`,
        this.#describe(request.encryptionContext),
      );
    }
    return material;
  }

  async #backingDecryption(request: DecryptionMaterialRequest, cacheKey?: string): Promise<NodeDecryptionMaterial> {
    const failedUnwraps = this.#failedUnwraps;
    const failureKey = failedUnwraps ? (cacheKey ?? this.#decryptionCacheKey(request)) : undefined;
    const remembered = failureKey === undefined ? undefined : (failedUnwraps as FailedUnwrapCache).recall(failureKey);
    if (remembered) {
      this.#counters.failedUnwrapRecalls += 1;
      throw remembered;
    }
    this.#counters.keyringDecryptCalls += 1;
    const failures: KmsFailure[] = [];
    try {
      // The codec's EDKs are plain objects; keyrings accept only the SDK's frozen EncryptedDataKey.
      const encryptedDataKeys = request.encryptedDataKeys.map(asSdkEncryptedDataKey);
      return await withKmsErrorTrail(failures, () =>
        this.#backing.decryptMaterials({ suite: request.suite, encryptionContext: request.encryptionContext, encryptedDataKeys }),
      );
    } catch (e) {
      const error = this.#keyringError('no key in the keyring could decrypt the data key', e, failures, request.encryptionContext);
      const lasting = failures.length > 0 ? failures.every((f) => isLastingUnwrapFailure(f.awsErrorName)) : isLastingUnwrapFailure(awsErrorNameOf(e));
      if (failureKey !== undefined && lasting) (failedUnwraps as FailedUnwrapCache).remember(failureKey, error);
      throw error;
    }
  }

  #keyringError(what: string, cause: unknown, failures: readonly KmsFailure[], context: EncryptionContext): KeyringError {
    const awsErrorName = failures[0]?.awsErrorName ?? awsErrorNameOf(cause);
    const message =
      awsErrorName === KMS_TIMEOUT_ERROR_NAME
        ? `${what} (KMS did not answer within requestTimeoutMs: ${awsErrorName})`
        : awsErrorName === KMS_UNREACHABLE_ERROR_NAME
          ? `${what} (KMS could not be reached: the connection failed)`
          : awsErrorName
          ? `${what} (KMS answered ${awsErrorName})`
          : what;
    return new KeyringError(message, { ...this.#describe(context), cause, awsErrorName });
  }
}

function asSdkEncryptedDataKey(edk: EncryptedDataKeyFields): EncryptedDataKey {
  if (edk instanceof EncryptedDataKey) return edk;
  const { providerId, providerInfo, encryptedDataKey, rawInfo } = edk;
  return new EncryptedDataKey({ providerId, providerInfo, encryptedDataKey, rawInfo });
}

/** For material that is not cached: use it, then zero the data key. */
function useOnce<M extends NodeEncryptionMaterial | NodeDecryptionMaterial, T>(material: M, use: (m: M) => T): T {
  try {
    return use(material);
  } finally {
    material.zeroUnencryptedDataKey();
  }
}

/** A keyring other than ours may still throw the AWS SDK's error itself (e.g. from GenerateDataKey). */
function awsErrorNameOf(e: unknown): string | undefined {
  return e instanceof Error && /Exception$/.test(e.name) ? e.name : undefined;
}
