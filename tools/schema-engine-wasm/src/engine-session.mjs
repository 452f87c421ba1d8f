// One SchemaEngine instance over one datasource, and the requests where the WebAssembly engine must be
// helped to answer as native does.
import { truncateSync } from 'node:fs';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { classifyDatasource } from './datasource.mjs';
import { connectionErrorCode, explainMessage, useExternalErrorRegistry } from './engine-errors.mjs';
import { postgresAdapterFactory } from './postgres-adapter.mjs';
import { sqliteAdapterFactory } from './sqlite-adapter.mjs';
import { engineLog } from './stderr-log.mjs';

const MIGRATIONS_TABLE_DDL = `CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT,
  "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`;
/** Requests that native answers on a SQLite database without a migrations table, and Wasm refuses (P1014). */
const NEEDS_MIGRATIONS_TABLE = new Set(['devDiagnostic', 'diagnoseMigrationHistory', 'markMigrationApplied']);

export class EngineSession {
  #wasm;
  #datasource;
  #datamodels;
  #engine;
  /** better-sqlite3 handle of the engine's main SQLite connection, when the datasource is SQLite. */
  #sqlite;

  /** @param datasource `{ url, shadowDatabaseUrl }` as the CLI passes it */
  constructor(wasm, datasource, datamodels) {
    this.#wasm = wasm;
    this.#datasource = datasource;
    this.#datamodels = datamodels;
  }

  /** Opens the engine (and its connection), once. Connection failures carry native's P1xxx code. */
  engine() {
    this.#engine ??= this.#open();
    return this.#engine;
  }

  async #open() {
    try {
      const adapter = bindMigrationAwareSqlAdapterFactory(await this.#adapterFactory());
      useExternalErrorRegistry(adapter.errorRegistry);
      return await this.#wasm.SchemaEngine.new({ datamodels: this.#datamodels }, engineLog, adapter);
    } catch (error) {
      const message = explainMessage(String(error?.message ?? error));
      throw Object.assign(new Error(message), { code: error?.code ?? connectionErrorCode(message) });
    }
  }

  async #adapterFactory() {
    const { url, shadowDatabaseUrl } = this.#datasource;
    const target = classifyDatasource(url);
    if (target.kind === 'postgres') return postgresAdapterFactory({ url, shadowDatabaseUrl });
    const shadowFile = shadowDatabaseUrl ? classifyDatasource(shadowDatabaseUrl).file : undefined;
    return sqliteAdapterFactory({ file: target.file, shadowFile }, (db) => { this.#sqlite ??= db; });
  }

  /** Answers one JSON-RPC request. */
  async call(method, params) {
    const engine = await this.engine();
    if (method === 'diff') return this.#diff(engine, params);
    if (this.#sqlite && method === 'reset') return this.#resetSqlite();
    if (this.#sqlite && NEEDS_MIGRATIONS_TABLE.has(method) && !this.#hasMigrationsTable()) {
      return this.#withTemporaryMigrationsTable(engine, method, params);
    }
    return this.#invoke(engine, method === 'getDatabaseVersion' ? 'version' : method, params);
  }

  async #invoke(engine, name, params) {
    if (typeof engine[name] !== 'function') throw new Error(`schema-engine-wasm: the WebAssembly engine has no method "${name}"`);
    try {
      return await engine[name](params); // called on the engine: a detached method loses its Wasm `this`
    } catch (error) {
      // The Wasm engine connects its shadow database only after a drift check; run one and retry.
      if (!params?.migrationsList || !/shadow DB must be provided through an external factory/.test(error?.message ?? '')) throw error;
      await engine.diagnoseMigrationHistory({ ...params, optInToShadowDatabase: true });
      return engine[name](params);
    }
  }

  /** Native prints a diff through a `print` request to the CLI; Wasm returns it. */
  async #diff(engine, params) {
    const { stdout, ...result } = await engine.diff(params);
    return { ...result, stdout: null, print: stdout ? stdout.replace(/\n$/, '') : undefined };
  }

  /** Wasm empties SQLite tables one by one; native truncates the file. Do what native does. */
  #resetSqlite() {
    this.#sqlite.pragma('locking_mode = NORMAL');
    this.#sqlite.pragma('quick_check'); // any read releases the engine's exclusive lock
    truncateSync(classifyDatasource(this.#datasource.url).file, 0);
    return {};
  }

  #hasMigrationsTable() {
    return Boolean(this.#sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = '_prisma_migrations'").get());
  }

  async #withTemporaryMigrationsTable(engine, method, params) {
    this.#sqlite.exec(MIGRATIONS_TABLE_DDL);
    if (method === 'markMigrationApplied') return engine.markMigrationApplied(params); // native keeps it here
    try {
      const result = await engine[method](params);
      return method === 'diagnoseMigrationHistory' ? { ...result, hasMigrationsTable: false } : result;
    } finally {
      this.#sqlite.exec('DROP TABLE IF EXISTS "_prisma_migrations"');
    }
  }

  /** Closing SQLite removes its journal, as the native engine's exit does. */
  close() {
    this.#sqlite?.close();
  }
}
