/**
 * prisma-field-encryption (PFE) 1.6 on Prisma 6, set up the way its README says, for the findMany
 * benchmark to time in the same process as prisma-kms. Prisma 6 runs with the query compiler and a
 * driver adapter (`engineType = "client"`), so nothing here needs a native engine.
 *
 * @example
 * const pfe = await connectPfe('postgresql://postgres@127.0.0.1:5432/bench');
 * await pfe.plain.$executeRawUnsafe(PFE_USER_TABLE_SQL);
 * await pfe.encrypted.user.create({ data: { name: 'Ada', email: 'ada@example.com' } });
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '@47ng/cloak';
import { PrismaPg } from '@prisma/adapter-pg';
import { getDMMF } from '@prisma/internals';
import { fieldEncryptionExtension } from 'prisma-field-encryption';
import { PrismaClient } from '../generated/client';

/** The table of `schema.prisma`'s User: the same columns as prisma-kms's `users`, so both read alike. */
export const PFE_USER_TABLE_SQL = `CREATE TABLE "pfe_user" (
  "id" SERIAL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "email" TEXT NOT NULL,
  "phone_number" TEXT,
  "role" TEXT NOT NULL DEFAULT 'member'
)`;

export interface PfeClients {
  /** The Prisma 6 client without the extension: the plain query and raw reads of stored values. */
  plain: PrismaClient;
  /** The same client through `fieldEncryptionExtension`, with a fresh cloak key. */
  encrypted: ReturnType<typeof withFieldEncryption>;
}

/** A Prisma 6 client on `connectionString`, plain and through prisma-field-encryption. */
export async function connectPfe(connectionString: string): Promise<PfeClients> {
  const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
  return { plain, encrypted: withFieldEncryption(plain, await fullDmmf(), await generateKey()) };
}

function withFieldEncryption(client: PrismaClient, dmmf: Awaited<ReturnType<typeof getDMMF>>, encryptionKey: string) {
  return client.$extends(fieldEncryptionExtension({ encryptionKey, dmmf }));
}

/**
 * PFE finds `/// @encrypted` fields in the DMMF's documentation, and Prisma 6's generated client no
 * longer carries it (its `Prisma.dmmf` keeps names and types only), so read the full DMMF from the
 * schema the way `prisma generate` does (WebAssembly, no engine).
 */
async function fullDmmf(): Promise<Awaited<ReturnType<typeof getDMMF>>> {
  return getDMMF({ datamodel: readFileSync(join(__dirname, '..', 'schema.prisma'), 'utf8') });
}
