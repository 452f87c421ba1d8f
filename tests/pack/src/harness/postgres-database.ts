import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const PG_URL = process.env.PKMS_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface PostgresDatabase {
  readonly url: string;
  /** Runs one statement on a connection of its own (the raw view, bypassing Prisma). */
  query<Row extends object>(sql: string, values?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database with a random name on the test server. */
export async function createPostgresDatabase(): Promise<PostgresDatabase> {
  const name = `pkms_pack_${randomBytes(6).toString('hex')}`;
  await withClient(PG_URL, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = Object.assign(new URL(PG_URL), { pathname: `/${name}` }).href;
  return {
    url,
    query: async <Row extends object>(sql: string, values?: unknown[]) => withClient(url, async (c) => (await c.query(sql, values)).rows as Row[]),
    drop: () => withClient(PG_URL, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
