// What the Prisma CLI passes as `--datasource '{"url": ..., "shadowDatabaseUrl": ...}'`, classified.
import { resolve } from 'node:path';

/** The WebAssembly engine ships the PostgreSQL and SQLite connectors only (no MySQL, no SQL Server). */
export class UnsupportedDatasourceError extends Error {
  constructor(url) {
    const scheme = url ? `${url.split(':')[0]}:` : undefined;
    super(scheme
      ? `schema-engine-wasm: the WebAssembly schema engine has no connector for "${scheme}" URLs; it supports postgres[ql]:// and file: (SQLite)`
      : 'schema-engine-wasm: no datasource URL; set datasource.url in prisma.config.ts');
    this.name = 'UnsupportedDatasourceError';
  }
}

/** @returns {{ kind: 'sqlite', file: string } | { kind: 'postgres', url: string }} */
export function classifyDatasource(url) {
  if (typeof url === 'string' && url.startsWith('file:')) {
    // Relative paths are relative to the project directory, which is the CLI's working directory.
    return { kind: 'sqlite', file: resolve(url.slice('file:'.length).replace(/\?.*$/, '')) };
  }
  if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new UnsupportedDatasourceError(url);
}

/** The same server and credentials, another database. */
export function postgresUrlFor(url, database) {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(database)}`;
  return next.href;
}

export function postgresDatabaseName(url) {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

export function quoteIdentifier(name) {
  return `"${name.replaceAll('"', '""')}"`;
}
