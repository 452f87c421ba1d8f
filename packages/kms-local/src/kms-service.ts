/**
 * The KMS service without the network: runs one operation against the key store, with the call
 * counters and fault drills applied. The HTTP server and the programmatic API both drive this.
 */
import { isAccessPolicy } from './access-policy';
import { keyArn } from './arn';
import type { CallCounters } from './call-counters';
import { KMS_LOCAL_ERROR_CODES, KmsException, KmsLocalError } from './errors';
import type { FaultInjector } from './faults';
import type { KeyStore } from './key-store';
import { assertAliasNameAvailable } from './operations/aliases';
import { resolveKey } from './operations/context';
import { OPERATIONS } from './operations';
import { RequestFields } from './request-fields';
import type { AccessPolicy, KeySpec } from './state';

/** Options for seeding a key without going through CreateKey (which cannot carry an alias or access list). */
export interface CreateKeyOptions {
  keySpec?: KeySpec;
  multiRegion?: boolean;
  /** Created together with the key, e.g. `alias/app`. Fails before the key is made if the name is taken. */
  alias?: string;
  description?: string;
  /** Allow lists per operation; see {@link AccessPolicy}. */
  access?: AccessPolicy;
}

export interface CreatedKey {
  keyId: string;
  arn: string;
}

export class KmsService {
  constructor(
    readonly store: KeyStore,
    readonly faults: FaultInjector,
    readonly counters: CallCounters,
  ) {}

  /**
   * Runs one KMS operation. Returns the response members, or throws the {@link KmsException} to
   * answer with (a real one or an injected fault).
   */
  call(operation: string, body: Record<string, unknown>, accessKeyId: string | undefined): Record<string, unknown> {
    this.counters.record(operation);
    const handler = OPERATIONS[operation];
    if (!handler) throw new KmsException('UnknownOperationException', `kms-local does not implement ${operation}`);
    const injected = this.faults.injectedError(operation);
    if (injected) throw injected;
    return handler(new RequestFields(body), { store: this.store, accessKeyId });
  }

  createKey(options: CreateKeyOptions = {}): CreatedKey {
    if (options.alias !== undefined) assertAliasNameAvailable(this.store, options.alias);
    if (options.access !== undefined && !isAccessPolicy(options.access)) {
      throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, 'access must map operation names to arrays of access key ids');
    }
    const keySpec = options.keySpec ?? 'SYMMETRIC_DEFAULT';
    if (keySpec !== 'SYMMETRIC_DEFAULT' && keySpec !== 'HMAC_256') {
      throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, 'keySpec must be SYMMETRIC_DEFAULT or HMAC_256');
    }
    const key = this.store.createKey({
      keySpec,
      multiRegion: options.multiRegion ?? false,
      description: options.description ?? '',
      ...(options.access ? { access: options.access } : {}),
    });
    if (options.alias !== undefined) this.store.putAlias(options.alias, key.keyId);
    return { keyId: key.keyId, arn: keyArn(this.store.location, key.keyId) };
  }

  /** Replaces a key's allow lists (undefined opens the key to every caller again). */
  setAccess(keyReference: string, access: AccessPolicy | undefined): CreatedKey {
    if (access !== undefined && !isAccessPolicy(access)) {
      throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, 'access must map operation names to arrays of access key ids');
    }
    const key = resolveKey(this.store, keyReference, 'keyOrAlias');
    if (access === undefined) delete key.access;
    else key.access = access;
    this.store.changed();
    return { keyId: key.keyId, arn: keyArn(this.store.location, key.keyId) };
  }
}
