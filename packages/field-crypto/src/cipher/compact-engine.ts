/**
 * How the cipher writes and reads compact values: the key store finds the key version (synchronously
 * once cached), the key version gives the field's key, the compact codec does one AES-GCM. Failures
 * become typed errors that name the model and field.
 */
import { decodeCompactBase64, encodeCompact, type CompactValue } from '../compact';
import { DecryptionError, EncryptionError, type FieldCryptoError } from '../errors';
import { isKeyStoreError, KeyStoreError, KeyStoreErrorReason } from '../key-store/errors';
import type { KeyStore } from '../key-store/key-store';
import type { LoadedKeyVersion } from '../key-store/key-version';
import type { FieldRef } from './encryption-context';
import { KEY_STORE_PROVIDER_ID, type StoredValue, type WrappingKeyRef } from './stored-value';

/** What the engine needs of a field's scheme. */
export interface CompactFieldScheme {
  readonly field: FieldRef;
  readonly compactInfo: Buffer | undefined;
}

export class CompactEngine {
  readonly #keyStore: KeyStore;

  constructor(keyStore: KeyStore) {
    this.#keyStore = keyStore;
  }

  /** What `inspect` says of a compact value: its key version, as the wrapping key the CLI counts by. */
  static describe(keyVersionId: number): StoredValue {
    return { kind: 'compact', keyVersionId, wrappingKeys: [keyVersionRef(keyVersionId)] };
  }

  /** Base64 compact value of `plaintext` under the current key of `scope` (default: the application's): a string on a warm key cache, else a promise. */
  encrypt(plaintext: Uint8Array, scheme: CompactFieldScheme, scope?: string): string | Promise<string> {
    let version: LoadedKeyVersion | Promise<LoadedKeyVersion>;
    try {
      version = this.#keyStore.currentKeyVersion(scope);
    } catch (e) {
      throw locate(e, scheme.field);
    }
    if (version instanceof Promise) {
      return version.then(
        (loaded) => (loaded.destroyed ? this.encrypt(plaintext, scheme, scope) : this.#seal(loaded, plaintext, scheme)),
        (e: unknown) => Promise.reject(locate(e, scheme.field)),
      );
    }
    return this.#seal(version, plaintext, scheme);
  }

  /**
   * Plaintext bytes of a classified compact value: a Buffer on a warm key cache, else a promise. With
   * `acceptScopes`, a value under a key version of another scope is refused (KEY_SCOPE_MISMATCH).
   */
  decrypt(value: CompactValue, scheme: CompactFieldScheme, acceptScopes?: readonly string[]): Buffer | Promise<Buffer> {
    let version: LoadedKeyVersion | Promise<LoadedKeyVersion>;
    try {
      version = this.#keyStore.keyVersion(value.keyVersionId);
    } catch (e) {
      throw locate(e, scheme.field);
    }
    if (version instanceof Promise) {
      return version.then(
        (loaded) => (loaded.destroyed ? this.decrypt(value, scheme, acceptScopes) : this.#open(loaded, value, scheme, acceptScopes)),
        (e: unknown) => Promise.reject(locate(e, scheme.field)),
      );
    }
    return this.#open(version, value, scheme, acceptScopes);
  }

  /** The key version new values are written with, as a wrapping-key reference. */
  async currentWrappingKey(): Promise<WrappingKeyRef> {
    return keyVersionRef((await this.#keyStore.currentKeyVersion()).id);
  }

  #seal(version: LoadedKeyVersion, plaintext: Uint8Array, scheme: CompactFieldScheme): string {
    return encodeCompact(version.fieldKey(scheme.compactInfo as Buffer), version.id, plaintext).toString('base64');
  }

  #open(version: LoadedKeyVersion, value: CompactValue, scheme: CompactFieldScheme, acceptScopes: readonly string[] | undefined): Buffer {
    checkKeyScope(version.scope, acceptScopes, scheme.field, version.id);
    const plaintext = decodeCompactBase64(version.fieldKey(scheme.compactInfo as Buffer), value.base64);
    if (!plaintext) {
      throw new DecryptionError(
        'the stored compact value failed authentication: tampered, or written for another field, model or key version',
        { model: scheme.field.model, field: scheme.field.field },
      );
    }
    return plaintext;
  }
}

/**
 * Refuses a value whose key scope (`''` for the application's key and for Encryption SDK messages) is not
 * one of `acceptScopes` (undefined: every scope). Before decryption: a value copied from another tenant's
 * row is never decrypted for this one.
 */
export function checkKeyScope(keyScope: string, acceptScopes: readonly string[] | undefined, field: FieldRef, keyVersionId?: number): void {
  if (acceptScopes === undefined || acceptScopes.includes(keyScope)) return;
  const expected = acceptScopes.map((scope) => (scope === '' ? "the application's key" : JSON.stringify(scope))).join(' or ');
  throw new KeyStoreError(
    KeyStoreErrorReason.KEY_SCOPE_MISMATCH,
    `the value is under ${keyScope === '' ? "the application's key" : 'a key of this scope'}, but its row accepts ${expected}: copied from another scope's row, or the row's scope changed without re-encrypting it (prisma-kms rotate --scope-by)`,
    { model: field.model, field: field.field, scope: keyScope, ...(keyVersionId === undefined ? {} : { keyVersionId }) },
  );
}

function keyVersionRef(id: number): WrappingKeyRef {
  return { providerId: KEY_STORE_PROVIDER_ID, keyId: String(id) };
}

/** A key-store failure (cached without a location) as an error naming the field that needed the key. */
function locate(e: unknown, field: FieldRef): FieldCryptoError {
  if (isKeyStoreError(e)) return e.at(field.model, field.field);
  return new EncryptionError('the key store failed', { model: field.model, field: field.field, cause: e });
}
