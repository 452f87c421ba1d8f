/**
 * The rules of the `keys` commands on the key store, as pure functions over the store's listing (no key
 * material): which version is current, what `create` may do, which version `retire` may take, and the
 * table `list` prints.
 */
import type { KeyPurpose, KeyVersionInfo } from '@prisma-kms/field-crypto';
import { CliError } from '../errors';

/** Which key a command is about; the application's key (`default`, purpose `field`, no scope) by default. */
export interface KeySelection {
  readonly keyName: string;
  readonly purpose: KeyPurpose;
  readonly scope: string;
}

/** The versions of one key, in version order. */
export function versionsOf(all: readonly KeyVersionInfo[], key: KeySelection): KeyVersionInfo[] {
  return all
    .filter((v) => v.keyName === key.keyName && v.purpose === key.purpose && v.scope === key.scope)
    .sort((a, b) => a.version - b.version);
}

/** The version new values are written with: the active one with the highest version, or undefined. */
export function currentVersion(versions: readonly KeyVersionInfo[]): KeyVersionInfo | undefined {
  return versions.filter((v) => v.status === 'active').reduce<KeyVersionInfo | undefined>((best, v) => (!best || v.version > best.version ? v : best), undefined);
}

/** The key-version ids that are current for their key (what `list` marks as `current`). */
export function currentIds(all: readonly KeyVersionInfo[]): Set<number> {
  const keys = new Map<string, KeyVersionInfo[]>();
  for (const v of all) {
    const slot = JSON.stringify([v.keyName, v.purpose, v.scope]);
    keys.set(slot, [...(keys.get(slot) ?? []), v]);
  }
  return new Set([...keys.values()].map((versions) => currentVersion(versions)?.id).filter((id): id is number => id !== undefined));
}

/**
 * What `keys create` does for this key: `first` (no version yet) or `next` (a new version after the
 * existing ones: all retired, or `--force`). An active version without `--force` is refused.
 */
export function planCreate(versions: readonly KeyVersionInfo[], key: KeySelection, force: boolean): 'first' | 'next' {
  if (versions.length === 0) return 'first';
  const current = currentVersion(versions);
  if (current && !force) {
    throw new CliError(
      'KEY_STORE_REFUSED',
      `key "${key.keyName}" (${key.purpose}) already has active version ${current.version}: use \`keys rotate\` for a new version, or --force`,
    );
  }
  return 'next';
}

/**
 * The version `keys retire <version>` retires; refuses an unknown version and the current one (new
 * values are written with it: rotate first, then re-encrypt its values with `prisma-kms rotate`).
 */
export function versionToRetire(versions: readonly KeyVersionInfo[], key: KeySelection, version: number): KeyVersionInfo {
  const target = versions.find((v) => v.version === version);
  if (!target) {
    const known = versions.map((v) => v.version).join(', ') || 'none';
    throw new CliError('KEY_STORE_REFUSED', `key "${key.keyName}" (${key.purpose}) has no version ${version} (versions: ${known})`);
  }
  if (target.id === currentVersion(versions)?.id) {
    throw new CliError(
      'KEY_STORE_REFUSED',
      `version ${version} of key "${key.keyName}" (${key.purpose}) is the active one new values are written with: \`keys rotate\` first, then \`prisma-kms rotate\` its values`,
    );
  }
  return target;
}

/** The listing as a table: one line per version, without key material. */
export function formatKeyVersions(all: readonly KeyVersionInfo[]): string {
  if (all.length === 0) return 'The key store has no key versions: create one with `prisma-kms keys create`.\n';
  const current = currentIds(all);
  const header = ['key', 'purpose', 'scope', 'version', 'id', 'status', 'created'];
  const rows = all.map((v) => [
    v.keyName,
    v.purpose,
    v.scope || '-',
    String(v.version),
    String(v.id),
    current.has(v.id) ? 'active (current)' : v.status,
    v.createdAt.toISOString(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
