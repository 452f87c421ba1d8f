import { defineConfig } from 'prisma/config';

// Used by `prisma migrate` / `db push` when someone runs them by hand against the shared schema.
export default defineConfig({
  schema: 'schema.prisma',
  datasource: { url: process.env.DATABASE_URL ?? 'file:./dev.db' },
});
