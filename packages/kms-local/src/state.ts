/**
 * Everything kms-local knows, as plain data: what the state file holds and what the key store
 * mutates. Dates are milliseconds since the epoch (the wire format converts to seconds).
 */
import { KMS_LOCAL_ERROR_CODES, KmsLocalError } from './errors';

export const KEY_SPECS = ['SYMMETRIC_DEFAULT', 'HMAC_256'] as const;
export type KeySpec = (typeof KEY_SPECS)[number];
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

/**
 * Per-key allow lists: operation name (`Encrypt`, `Decrypt`, `GenerateDataKey`, `ReEncryptFrom`,
 * `ReEncryptTo`, ...) to the access key ids allowed to call it. An operation that is not listed falls
 * back to the `'*'` entry; with no `'*'` entry it is open to every caller. An empty list denies all.
 */
export type AccessPolicy = Readonly<Record<string, readonly string[]>>;

export interface KeyMaterialRecord {
  /** 64 hex characters; the blob names it so old ciphertexts find their material after rotation. */
  readonly id: string;
  /** Base64 of 32 random bytes. This is key material: the state file must be treated as a secret. */
  readonly secret: string;
  readonly createdAt: number;
  /** How this material came to be; absent for the material the key was created with. */
  readonly rotationType?: RotationType;
}

export interface KeyRotationSchedule {
  readonly periodInDays: number;
  readonly nextRotationAt: number;
}

export interface KeyRecord {
  readonly keyId: string;
  readonly keySpec: KeySpec;
  readonly multiRegion: boolean;
  description: string;
  readonly createdAt: number;
  state: KeyState;
  deletionDate?: number;
  pendingWindowInDays?: number;
  rotation?: KeyRotationSchedule;
  /** Oldest first; the last one is current. Never shrinks while the key exists. */
  readonly materials: KeyMaterialRecord[];
  access?: AccessPolicy;
}

export interface AliasRecord {
  readonly aliasName: string;
  targetKeyId: string;
  readonly createdAt: number;
  updatedAt: number;
}

export interface KmsState {
  readonly version: 1;
  readonly accountId: string;
  readonly region: string;
  readonly keys: KeyRecord[];
  readonly aliases: AliasRecord[];
}

export function emptyState(accountId: string, region: string): KmsState {
  return { version: 1, accountId, region, keys: [], aliases: [] };
}

export function keyUsageOf(spec: KeySpec): KeyUsage {
  return spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a parsed state file just enough that a hand-edited or foreign file fails at
 * startup with a clear error rather than mid-request.
 */
export function parseState(json: unknown, source: string): KmsState {
  const fail = (why: string): never => {
    throw new KmsLocalError(KMS_LOCAL_ERROR_CODES.STATE_FILE_UNREADABLE, `State file ${source} is not a kms-local state file: ${why}`);
  };
  if (!isRecord(json)) return fail('not a JSON object');
  if (json['version'] !== 1) return fail('unsupported version');
  const { accountId, region, keys, aliases } = json;
  if (typeof accountId !== 'string' || typeof region !== 'string') return fail('accountId or region missing');
  if (!Array.isArray(keys) || !Array.isArray(aliases)) return fail('keys or aliases missing');
  for (const key of keys) {
    if (!isRecord(key) || typeof key['keyId'] !== 'string' || !Array.isArray(key['materials']) || key['materials'].length === 0) {
      fail('a key record is malformed');
    }
    if (!KEY_SPECS.includes((key as { keySpec?: KeySpec }).keySpec as KeySpec)) fail('a key has an unknown key spec');
  }
  for (const alias of aliases) {
    if (!isRecord(alias) || typeof alias['aliasName'] !== 'string' || typeof alias['targetKeyId'] !== 'string') {
      fail('an alias record is malformed');
    }
  }
  return json as unknown as KmsState;
}
