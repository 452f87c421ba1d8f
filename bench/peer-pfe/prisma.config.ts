/**
 * Prisma 6 CLI config for `prisma generate` only. Declaring a driver adapter for the schema engine
 * (`engine: 'js'`) is what stops the CLI from downloading the native schema engine before every
 * command; with `engineType = "client"` in the schema it downloads no query engine either, so the
 * build needs no network. The adapter is never called by `generate`; the benchmark creates its table
 * with SQL.
 */
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: () => Promise.reject(new Error('bench-peer-pfe only generates a client; it has no migrations')),
});
