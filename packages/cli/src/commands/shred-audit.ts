/**
 * The audit line of `keys shred`: one JSON object on one line naming what was destroyed (rows by id,
 * key name, purpose, version), in which store, for which scope, when and by whom (`USER`). No key
 * material ever: the rows are gone, and the line says only which.
 */
import type { KeyVersionInfo } from '@prisma-kms/field-crypto';

/** One audit record of a shred. */
export interface ShredAuditRecord {
  readonly event: 'prisma-kms.keys.shred';
  /** ISO 8601, UTC. */
  readonly time: string;
  readonly keyStore: string;
  readonly scope: string;
  /** The operator as the environment names them (`USER`), or null. */
  readonly operator: string | null;
  readonly rows: ReadonlyArray<{ readonly id: number; readonly keyName: string; readonly purpose: string; readonly version: number }>;
}

/**
 * The audit record of a shred of `rows`.
 *
 * @example
 * ```ts
 * JSON.stringify(shredAuditRecord('app', 'tenant-a', rows, new Date(), process.env.USER));
 * // {"event":"prisma-kms.keys.shred","time":"2026-12-01T02:00:00.000Z","keyStore":"app","scope":"tenant-a","operator":"ops","rows":[...]}
 * ```
 */
export function shredAuditRecord(keyStore: string, scope: string, rows: readonly KeyVersionInfo[], time: Date, operator: string | undefined): ShredAuditRecord {
  return {
    event: 'prisma-kms.keys.shred',
    time: time.toISOString(),
    keyStore,
    scope,
    operator: operator === undefined || operator === '' ? null : operator,
    rows: rows.map((r) => ({ id: r.id, keyName: r.keyName, purpose: r.purpose, version: r.version })),
  };
}

/** The record as one line (newline included), for stdout and the audit log. */
export function shredAuditLine(record: ShredAuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}
