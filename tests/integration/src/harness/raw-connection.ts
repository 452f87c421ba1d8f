/**
 * A driver-level connection (no Prisma) to read and tamper with what is really stored.
 * Placeholders are written `?` for every provider and rewritten to `$n` for PostgreSQL.
 */
import Database from 'better-sqlite3';
import * as mariadb from 'mariadb';
import { Client as PgClient } from 'pg';
import type { Provider } from './databases';

export interface RawConnection {
  readonly provider: Provider;
  /** Runs a query with `?` placeholders and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs one or more statements with no parameters. */
  exec(sql: string): Promise<void>;
  /** Quotes an identifier (table or column name) for this provider. */
  quote(identifier: string): string;
  close(): Promise<void>;
}

export async function openRawConnection(provider: Provider, target: string): Promise<RawConnection> {
  switch (provider) {
    case 'sqlite': {
      const db = new Database(target);
      db.pragma('busy_timeout = 5000');
      return {
        provider,
        query: async <Row>(sql: string, params: readonly unknown[] = []) => {
          const statement = db.prepare(sql);
          if (statement.reader) return statement.all(...params) as Row[];
          statement.run(...params);
          return [];
        },
        exec: async (sql) => void db.exec(sql),
        quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
        close: async () => void db.close(),
      };
    }
    case 'postgresql': {
      const client = new PgClient({ connectionString: target });
      await client.connect();
      return {
        provider,
        query: async <Row>(sql: string, params: readonly unknown[] = []) => {
          let index = 0;
          const text = sql.replace(/\?/g, () => `$${++index}`);
          const result = await client.query(text, params as unknown[]);
          return result.rows as Row[];
        },
        exec: async (sql) => void (await client.query(sql)),
        quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
        close: () => client.end(),
      };
    }
    case 'mysql': {
      const connection = await mariadb.createConnection(mariadbConfig(target));
      return {
        provider,
        query: async <Row>(sql: string, params: readonly unknown[] = []) => {
          const rows: unknown = await connection.query(sql, params as unknown[]);
          return (Array.isArray(rows) ? rows : []) as Row[];
        },
        exec: async (sql) => void (await connection.query(sql)),
        quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
        close: () => connection.end(),
      };
    }
  }
}

/** mariadb driver settings from a `mariadb://user:password@host:port/database` URL. */
export function mariadbConfig(url: string): mariadb.ConnectionConfig {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1) || undefined,
    multipleStatements: true,
  };
}
