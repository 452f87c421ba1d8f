/**
 * The stored form of a blind index: `v<version>$<base64url digest>`, e.g. `v1$3q2-7w...`. The version
 * prefix lets a rebuild find entries written under an older index key without recomputing anything,
 * and `$` cannot occur in base64url, so the split is unambiguous.
 */

/** A parsed index value. */
export interface IndexValue {
  /** The index key version it was computed with. */
  readonly version: number;
  /** Length of the (truncated) HMAC in bytes. */
  readonly bytes: number;
}

const INDEX_VALUE = /^v([1-9][0-9]{0,9})\$([A-Za-z0-9_-]+)$/;

/** Writes an index value. */
export function formatIndexValue(version: number, digest: Buffer): string {
  return `v${version}$${digest.toString('base64url')}`;
}

/**
 * Reads the version and length of a stored index, or `undefined` when `stored` is not an index value
 * (a row indexed by something else, or a hand-written value). For `prisma-kms status` and rebuilds.
 *
 * @example
 * ```ts
 * parseIndexValue('v2$q83vEjRWeJA'); // { version: 2, bytes: 8 }
 * ```
 */
export function parseIndexValue(stored: string): IndexValue | undefined {
  const match = INDEX_VALUE.exec(stored);
  if (match === null) return undefined;
  const digest = match[2]!;
  // base64url without padding: 4 characters carry 3 bytes; a length of 1 mod 4 is impossible.
  if (digest.length % 4 === 1) return undefined;
  return { version: Number(match[1]), bytes: Math.floor((digest.length * 3) / 4) };
}
