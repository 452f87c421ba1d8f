/**
 * Key ids, key ARNs, alias names and alias ARNs: how AWS KMS spells them and how a `KeyId` parameter
 * is read.
 */

/** Where this server pretends to live: every ARN it issues and accepts names this account and Region. */
export interface ServiceLocation {
  readonly accountId: string;
  readonly region: string;
}

/** A `KeyId` request parameter, classified by form before it is looked up. */
export type KeyReference =
  | { readonly kind: 'keyId'; readonly keyId: string }
  | { readonly kind: 'keyArn'; readonly keyId: string; readonly location: ServiceLocation }
  | { readonly kind: 'aliasName'; readonly aliasName: string }
  | { readonly kind: 'aliasArn'; readonly aliasName: string; readonly location: ServiceLocation };

const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/** The partition a Region belongs to (`aws-cn` for China, `aws-us-gov` for GovCloud). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** @example keyArn({ accountId: '111122223333', region: 'us-east-1' }, 'mrk-1a2b...') */
export function keyArn(location: ServiceLocation, keyId: string): string {
  return `arn:${partitionOf(location.region)}:kms:${location.region}:${location.accountId}:key/${keyId}`;
}

/** @example aliasArn(location, 'alias/app') === 'arn:aws:kms:us-east-1:111122223333:alias/app' */
export function aliasArn(location: ServiceLocation, aliasName: string): string {
  return `arn:${partitionOf(location.region)}:kms:${location.region}:${location.accountId}:${aliasName}`;
}

/**
 * Classifies a `KeyId` parameter. Returns undefined for a string that starts like an ARN but is not a
 * KMS key or alias ARN (AWS answers those with InvalidArnException).
 */
export function parseKeyReference(reference: string): KeyReference | undefined {
  if (reference.startsWith('arn:')) {
    const key = KEY_ARN.exec(reference);
    if (key) return { kind: 'keyArn', keyId: key[4]!, location: { region: key[2]!, accountId: key[3]! } };
    const alias = ALIAS_ARN.exec(reference);
    if (alias) return { kind: 'aliasArn', aliasName: alias[4]!, location: { region: alias[2]!, accountId: alias[3]! } };
    return undefined;
  }
  if (reference.startsWith('alias/')) return { kind: 'aliasName', aliasName: reference };
  return { kind: 'keyId', keyId: reference };
}

/** True when an ARN names this server's account and Region (and partition). */
export function isSameLocation(a: ServiceLocation, b: ServiceLocation): boolean {
  return a.accountId === b.accountId && a.region === b.region;
}
