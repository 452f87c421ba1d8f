/** Throw-away PostgreSQL databases for one benchmark run, on the server of `PKMS_BENCH_PG_URL`. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const PG_URL = process.env.PKMS_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Creates `count` randomly named databases, hands their URLs to `body`, and drops them afterwards
 * (forcing out connections `body` left open), whether `body` succeeds or not.
 *
 * @example
 * await withScratchDatabases(2, async ([a, b]) => { ... });
 */
export async function withScratchDatabases<T>(count: number, body: (urls: string[]) => Promise<T>): Promise<T> {
  const names = Array.from({ length: count }, () => `pkms_bench_${randomBytes(4).toString('hex')}`);
  // One short admin connection before and one after, none held while `body` runs: on a shared server,
  // another run's cleanup may terminate every session of the maintenance database, and an idle client
  // killed that way fails the whole run (and its unhandled 'error' event, the process).
  await asAdmin(async (admin) => {
    for (const name of names) await admin.query(`CREATE DATABASE "${name}"`);
  });
  try {
    return await body(names.map((name) => databaseUrl(name)));
  } finally {
    await asAdmin(async (admin) => {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }
}

async function asAdmin(work: (admin: Client) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** `PG_URL` with its database replaced by `name`. */
export function databaseUrl(name: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
