/**
 * The keys and aliases, with the time-driven changes AWS makes on its own (automatic rotation, the
 * end of a deletion window) applied lazily whenever a key is read. Knows nothing about HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { MATERIAL_ID_BYTES } from './ciphertext-blob';
import type { ServiceLocation } from './arn';
import type { AccessPolicy, AliasRecord, KeyMaterialRecord, KeyRecord, KeySpec, KmsState, RotationType } from './state';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Milliseconds since the epoch; injectable so tests can move time past a rotation or deletion date. */
export type Clock = () => number;

export interface NewKeyOptions {
  readonly keySpec: KeySpec;
  readonly multiRegion: boolean;
  readonly description: string;
  readonly access?: AccessPolicy;
}

export class KeyStore {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, AliasRecord>();

  /**
   * @param onChange called after every mutation with the full state (persistence hooks in here).
   */
  constructor(
    initial: KmsState,
    private readonly clock: Clock,
    private readonly onChange: (state: KmsState) => void,
  ) {
    for (const key of initial.keys) this.keys.set(key.keyId, key);
    for (const alias of initial.aliases) this.aliases.set(alias.aliasName, alias);
    this.location = { accountId: initial.accountId, region: initial.region };
  }

  readonly location: ServiceLocation;

  now(): number {
    return this.clock();
  }

  snapshot(): KmsState {
    return {
      version: 1,
      accountId: this.location.accountId,
      region: this.location.region,
      keys: [...this.keys.values()],
      aliases: [...this.aliases.values()],
    };
  }

  /** Call after changing a record in place. */
  changed(): void {
    this.onChange(this.snapshot());
  }

  createKey(options: NewKeyOptions): KeyRecord {
    const now = this.now();
    const keyId = options.multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID();
    const key: KeyRecord = {
      keyId,
      keySpec: options.keySpec,
      multiRegion: options.multiRegion,
      description: options.description,
      createdAt: now,
      state: 'Enabled',
      materials: [newMaterial(now)],
      ...(options.access ? { access: options.access } : {}),
    };
    this.keys.set(keyId, key);
    this.changed();
    return key;
  }

  /** The key with this id, after applying anything its schedule says has happened by now. */
  findKey(keyId: string): KeyRecord | undefined {
    const key = this.keys.get(keyId);
    if (!key) return undefined;
    return this.settle(key) ? key : undefined;
  }

  /** Every existing key, oldest first. */
  listKeys(): KeyRecord[] {
    return [...this.keys.values()].filter((key) => this.settle(key)).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Appends new key material; the blob format keeps every older material usable for decryption. */
  rotate(key: KeyRecord, rotationType: RotationType, at = this.now()): KeyMaterialRecord {
    const material = { ...newMaterial(at), rotationType };
    key.materials.push(material);
    this.changed();
    return material;
  }

  findAlias(aliasName: string): AliasRecord | undefined {
    const alias = this.aliases.get(aliasName);
    if (alias && !this.findKey(alias.targetKeyId)) return undefined;
    return alias;
  }

  listAliases(): AliasRecord[] {
    return [...this.aliases.values()]
      .filter((alias) => this.findKey(alias.targetKeyId))
      .sort((a, b) => a.aliasName.localeCompare(b.aliasName));
  }

  putAlias(aliasName: string, targetKeyId: string): AliasRecord {
    const now = this.now();
    const existing = this.aliases.get(aliasName);
    const alias: AliasRecord = existing
      ? { ...existing, targetKeyId, updatedAt: now }
      : { aliasName, targetKeyId, createdAt: now, updatedAt: now };
    this.aliases.set(aliasName, alias);
    this.changed();
    return alias;
  }

  deleteAlias(aliasName: string): void {
    this.aliases.delete(aliasName);
    this.changed();
  }

  /**
   * Applies due automatic rotations and finished deletion windows. Returns false when the key has
   * been deleted (its aliases go with it, as in AWS).
   */
  private settle(key: KeyRecord): boolean {
    const now = this.now();
    if (key.state === 'PendingDeletion' && key.deletionDate !== undefined && key.deletionDate <= now) {
      this.keys.delete(key.keyId);
      for (const alias of this.aliases.values()) if (alias.targetKeyId === key.keyId) this.aliases.delete(alias.aliasName);
      this.changed();
      return false;
    }
    // KMS rotates only enabled keys; a key re-enabled after its date rotates at the next read.
    if (key.rotation && key.state === 'Enabled' && key.rotation.nextRotationAt <= now) {
      let { nextRotationAt } = key.rotation;
      const periodMs = key.rotation.periodInDays * DAY_MS;
      while (nextRotationAt <= now) {
        key.materials.push({ ...newMaterial(nextRotationAt), rotationType: 'AUTOMATIC' });
        nextRotationAt += periodMs;
      }
      key.rotation = { ...key.rotation, nextRotationAt };
      this.changed();
    }
    return true;
  }
}

function newMaterial(createdAt: number): KeyMaterialRecord {
  return {
    id: randomBytes(MATERIAL_ID_BYTES).toString('hex'),
    secret: randomBytes(32).toString('base64'),
    createdAt,
  };
}

/** The material new ciphertexts use. */
export function currentMaterial(key: KeyRecord): KeyMaterialRecord {
  return key.materials[key.materials.length - 1]!;
}
