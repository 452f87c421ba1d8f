// PostgreSQL through @prisma/adapter-pg, adjusted where the schema engine expects what its native
// connector does.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { postgresUrlFor, quoteIdentifier } from './datasource.mjs';

const PG_CHAR_OID = 18; // the catalog type "char", which adapter-pg refuses to map
const PG_TEXT_OID = 25;

/** Opens one adapter connection to `url`. */
async function connectPostgres(url) {
  const schema = new URL(url).searchParams.get('schema') ?? undefined;
  const pool = {
    connectionString: url,
    max: 1, // one session, as native: the engine's advisory lock and session settings must stay on it
    ...(schema && { options: `-c search_path=${schema.replace(/[\\ ]/g, '\\$&')}` }),
  };
  const adapter = await new PrismaPg(pool, schema ? { schema } : undefined).connect();
  return patchAdapter(adapter);
}

function patchAdapter(adapter) {
  // adapter-pg splits a script on ';', which breaks `$$` bodies and string literals: send it whole.
  adapter.executeScript = async (script) => {
    try {
      await adapter.client.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  // The introspection queries read "char" columns (pg_class.relkind, ...): read them as text.
  const performIO = adapter.performIO.bind(adapter);
  adapter.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
  return adapter;
}

/** Drops every user schema, as native does to a configured shadow database before it uses it. */
const WIPE_DATABASE = `DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$; CREATE SCHEMA IF NOT EXISTS public;`;

/** The adapter factory the engine takes: a main connection and, for `migrate dev`, a shadow database. */
export function postgresAdapterFactory({ url, shadowDatabaseUrl }) {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectPostgres(url),
    async connectToShadowDb() {
      if (shadowDatabaseUrl) {
        const shadow = await connectPostgres(shadowDatabaseUrl);
        await shadow.executeScript(WIPE_DATABASE);
        return shadow;
      }
      // Without a configured one, native makes a temporary database and drops it afterwards.
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      const admin = await connectPostgres(url);
      await admin.executeScript(`CREATE DATABASE ${quoteIdentifier(name)}`);
      const shadow = await connectPostgres(postgresUrlFor(url, name));
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        try {
          await dispose();
          await admin.executeScript(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
        } finally {
          await admin.dispose();
        }
      };
      return shadow;
    },
  };
}

/** `prisma migrate deploy` and `db push` create a missing database first. */
export async function createPostgresDatabase(url, name) {
  const admin = await connectPostgres(postgresUrlFor(url, 'postgres'));
  try {
    await admin.executeScript(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } finally {
    await admin.dispose();
  }
}
