// SQLite through @prisma/adapter-better-sqlite3 (loaded only for file: URLs, so a PostgreSQL-only
// machine never needs the native better-sqlite3 build).

/** The engine replays a migration through executeRaw; better-sqlite3 runs one statement per call. */
function acceptScripts(adapter) {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.args.length > 0 || !/more than one statement/.test(error?.message ?? '')) throw error;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return adapter;
}

/**
 * @param {{ file: string, shadowFile?: string }} target
 * @param {(db: import('better-sqlite3').Database) => void} onMainConnection the raw handle, for the
 *   few operations the WebAssembly engine does differently on SQLite (see sqlite-quirks.mjs)
 */
export async function sqliteAdapterFactory({ file, shadowFile }, onMainConnection) {
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  // Without a configured shadow database, the adapter uses an in-memory one.
  const factory = new PrismaBetterSqlite3({ url: file }, shadowFile ? { shadowDatabaseUrl: shadowFile } : undefined);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = acceptScripts(await factory.connect());
      onMainConnection(adapter.client);
      return adapter;
    },
    connectToShadowDb: async () => acceptScripts(await factory.connectToShadowDb()),
  };
}
