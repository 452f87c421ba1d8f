/**
 * A fresh, empty database per test file, on a real server, with the shared schema's tables.
 *
 * SQLite: a temporary file. PostgreSQL and MariaDB: `CREATE DATABASE pkms_<random>` on the local
 * server (connection settings from PKMS_TEST_PG_URL / PKMS_TEST_MYSQL_URL), dropped by `drop()`.
 * The tables come from the DDL that `@prisma-kms/schema`'s build emitted, so no schema engine runs here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as mariadb from 'mariadb';
import { Client as PgClient } from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '@prisma-kms/schema/sqlite';
import { PrismaClient as PostgresClient } from '@prisma-kms/schema/postgresql';
import { PrismaClient as MysqlClient } from '@prisma-kms/schema/mysql';
import { type RawConnection, mariadbConfig, openRawConnection } from './raw-connection';

export type Provider = 'sqlite' | 'postgresql' | 'mysql';

/**
 * The generated clients of the three providers share one model API (same schema); tests use the
 * SQLite client's type for all of them.
 */
export type TestPrismaClient = SqliteClient; // not InstanceType<...>: that loses the default ExtArgs, and $extends results lose their models

export interface TestDatabase {
  readonly provider: Provider;
  /** Connection string (`file:` path for SQLite). */
  readonly url: string;
  /** A new, unextended Prisma client on this database. The caller disconnects it. */
  client(): TestPrismaClient;
  /** A driver-level connection that bypasses Prisma, to see what is really stored. */
  readonly raw: RawConnection;
  /** Closes the raw connection and drops the database. */
  drop(): Promise<void>;
}

export const PG_URL = process.env.PKMS_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = process.env.PKMS_TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306/mysql';

/** Creates an empty database on `provider` and, unless `withSchema` is false, the shared schema's tables. */
export async function createTestDatabase(
  provider: Provider,
  options: { withSchema?: boolean } = {},
): Promise<TestDatabase> {
  const name = `pkms_${randomBytes(6).toString('hex')}`;
  const ddl = options.withSchema === false ? '' : schemaDdl(provider);
  switch (provider) {
    case 'sqlite':
      return createSqlite(name, ddl);
    case 'postgresql':
      return createPostgres(name, ddl);
    case 'mysql':
      return createMysql(name, ddl);
  }
}

/** The DDL `@prisma-kms/schema` generated for `provider`. */
export function schemaDdl(provider: Provider): string {
  return readFileSync(require.resolve(`@prisma-kms/schema/sql/${provider}`), 'utf8');
}

/** Runs `body` with a fresh database and drops it afterwards, whatever happens. */
export async function withTestDatabase<T>(provider: Provider, body: (db: TestDatabase) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(provider);
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

async function createSqlite(name: string, ddl: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'pkms-'));
  const file = join(dir, `${name}.db`);
  const setup = new Database(file);
  setup.pragma('journal_mode = WAL');
  if (ddl) setup.exec(ddl);
  setup.close();
  const url = `file:${file}`;
  const raw = await openRawConnection('sqlite', file);
  return {
    provider: 'sqlite',
    url,
    raw,
    client: () => new SqliteClient({ adapter: new PrismaBetterSqlite3({ url }) }),
    drop: async () => {
      await raw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgres(name: string, ddl: string): Promise<TestDatabase> {
  const admin = new PgClient({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(PG_URL, name);
  const raw = await openRawConnection('postgresql', url);
  if (ddl) await raw.exec(ddl);
  return {
    provider: 'postgresql',
    url,
    raw,
    client: () => new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as TestPrismaClient,
    drop: async () => {
      await raw.close();
      const dropper = new PgClient({ connectionString: PG_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

async function createMysql(name: string, ddl: string): Promise<TestDatabase> {
  const admin = await mariadb.createConnection(mariadbConfig(MYSQL_URL));
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(MYSQL_URL, name);
  const raw = await openRawConnection('mysql', url);
  if (ddl) await raw.exec(ddl);
  return {
    provider: 'mysql',
    url,
    raw,
    client: () =>
      new MysqlClient({
        // The adapter is typed against its own copy of the mariadb driver's types.
        adapter: new PrismaMariaDb({ ...mariadbConfig(url), connectionLimit: 5 } as ConstructorParameters<typeof PrismaMariaDb>[0]),
      }) as unknown as TestPrismaClient,
    drop: async () => {
      await raw.close();
      const dropper = await mariadb.createConnection(mariadbConfig(MYSQL_URL));
      try {
        await dropper.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await dropper.end();
      }
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
