/**
 * Which database (and which table in it) a run works on, read through SQL, so a checkpoint written
 * against one database (staging) is never resumed against another (production) that happens to have
 * a table of the same name. Reads only server facts, never rows.
 */
import type { RawSqlClient, SqlProvider } from '../config/define-config';
import type { SqlStatement } from '../sql/statement';
import { queryRows } from './sql-runner';

/** The statement that identifies the database, schema, server and table for `provider`. */
export function databaseIdentityStatement(provider: SqlProvider | string, table: string): SqlStatement {
  switch (provider) {
    case 'postgresql':
      return {
        sql:
          "SELECT concat_ws('|', current_database(), (SELECT oid::text FROM pg_database WHERE datname = current_database()), " +
          "current_schema(), coalesce(inet_server_addr()::text, 'socket'), coalesce(inet_server_port()::text, ''), " +
          "coalesce(to_regclass($1)::oid::text, '')) AS \"identity\"",
        params: [`"${table.replaceAll('"', '""')}"`],
      };
    case 'mysql':
      return {
        sql:
          "SELECT CONCAT_WS('|', DATABASE(), @@hostname, @@port, @@server_id, " +
          "COALESCE((SELECT CAST(CREATE_TIME AS CHAR) FROM information_schema.tables WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?), '')) AS `identity`",
        params: [table],
      };
    default:
      // SQLite: the main database's file (an in-memory database has none, and nothing to resume)
      return { sql: "SELECT file AS \"identity\" FROM pragma_database_list WHERE name = 'main'", params: [] };
  }
}

/**
 * One line naming the database and table, e.g. `app|16384|public|10.0.0.5/32|5432|24601`.
 *
 * @example
 * ```ts
 * const identity = await databaseIdentity(prisma, 'postgresql', 'users');
 * ```
 */
export async function databaseIdentity(db: RawSqlClient, provider: SqlProvider | string, table: string): Promise<string> {
  const rows = await queryRows<{ identity: unknown }>(db, databaseIdentityStatement(provider, table), `identifying the database of table "${table}"`);
  return String(rows[0]?.identity ?? '');
}
