/** List operations page with `Limit` and an opaque `Marker`; kms-local's marker is an offset. */
import { KmsException } from '../errors';
import type { RequestFields } from '../request-fields';

export interface Page<T> {
  readonly items: T[];
  readonly nextMarker?: string;
}

export function paginate<T>(all: readonly T[], fields: RequestFields, limits: { readonly max: number; readonly default: number }): Page<T> {
  const limit = fields.optionalInteger('Limit', 1, limits.max) ?? limits.default;
  const marker = fields.optionalString('Marker');
  let start = 0;
  if (marker !== undefined) {
    const decoded = Number(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new KmsException('InvalidMarkerException', 'The Marker is invalid.');
    start = decoded;
  }
  const items = all.slice(start, start + limit);
  const end = start + items.length;
  return end < all.length ? { items, nextMarker: Buffer.from(String(end), 'utf8').toString('base64url') } : { items };
}

/** The `NextMarker`/`Truncated` members of a list response. */
export function pageMembers(page: Page<unknown>): { Truncated: boolean; NextMarker?: string } {
  return page.nextMarker === undefined ? { Truncated: false } : { Truncated: true, NextMarker: page.nextMarker };
}
