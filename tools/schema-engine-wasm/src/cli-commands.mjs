// `schema-engine --datasource <json> cli <command>`: what the Prisma CLI runs before most commands to
// check the connection, and to create a missing database.
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { classifyDatasource, postgresDatabaseName } from './datasource.mjs';
import { createPostgresDatabase } from './postgres-adapter.mjs';

class DatabaseMissingError extends Error {
  code = 'P1003'; // the CLI answers it with create-database
}

/** Runs one cli command; throws an error whose `code`/`message` the CLI reads from stderr. */
export async function runCliCommand(command, session, datasource) {
  const target = classifyDatasource(datasource.url);
  if (command === 'create-database') {
    if (target.kind === 'postgres') return createPostgresDatabase(datasource.url, postgresDatabaseName(datasource.url));
    mkdirSync(dirname(target.file), { recursive: true });
    return closeSync(openSync(target.file, 'a')); // an empty file is an empty SQLite database
  }
  if (command !== 'can-connect-to-database') throw new Error(`schema-engine-wasm: unknown cli command "${command}"`);
  if (target.kind === 'sqlite' && !existsSync(target.file)) {
    throw new DatabaseMissingError(`Database \`${basename(target.file)}\` does not exist`);
  }
  (await session.engine()).free();
}
