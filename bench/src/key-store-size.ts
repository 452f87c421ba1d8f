/** What a key store costs in the database, read through a raw connection (not through Prisma). */
import { Client } from 'pg';

/** One key store's rows in the `prisma_kms_keys` table of a PostgreSQL database. */
export interface KeyStoreSize {
  /** Rows of the store (every purpose, scope and version). */
  readonly rows: number;
  /** Distinct scopes among them (`''`, the application's key, counts as one). */
  readonly scopes: number;
  /** Sum of the base64 `material` lengths: the wrapped keys themselves. */
  readonly materialBytes: number;
  /**
   * `pg_total_relation_size('prisma_kms_keys')`: heap, indexes and TOAST of the whole table, which
   * holds only this store in the benchmark's scratch databases.
   */
  readonly tableBytes: number;
}

/**
 * Counts the rows, scopes and material bytes of `keyStore` and the size of its table.
 *
 * @example
 * const size = await keyStoreSize(url, 'bench'); // { rows: 1001, scopes: 1001, materialBytes: ..., tableBytes: ... }
 */
export async function keyStoreSize(url: string, keyStore: string): Promise<KeyStoreSize> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const counted = await db.query<{ rows: string; scopes: string; material_bytes: string | null }>(
      'SELECT count(*) AS rows, count(DISTINCT scope) AS scopes, sum(octet_length(material)) AS material_bytes FROM prisma_kms_keys WHERE key_store = $1',
      [keyStore],
    );
    const sized = await db.query<{ bytes: string }>(`SELECT pg_total_relation_size('prisma_kms_keys') AS bytes`);
    const row = counted.rows[0];
    return {
      rows: Number(row?.rows ?? 0),
      scopes: Number(row?.scopes ?? 0),
      materialBytes: Number(row?.material_bytes ?? 0),
      tableBytes: Number(sized.rows[0]?.bytes ?? 0),
    };
  } finally {
    await db.end();
  }
}
