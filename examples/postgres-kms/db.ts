import { PrismaPg } from '@prisma/adapter-pg';
import { createBlindIndexer } from '@prisma-kms/field-crypto';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from './prisma/generated/client/client.js';
import { fieldMap } from './prisma/generated/field-map/index.js';
import { appCipher, appIndexKeys, appKeyring } from './encryption.js';

/** The application's Prisma client. Call it once at start-up: it decrypts the index keys. */
export async function createPrisma() {
  const keyring = appKeyring();
  const blindIndexer = createBlindIndexer(await appIndexKeys(keyring));
  const adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL! });
  return new PrismaClient({ adapter }).$extends(fieldEncryption({ fields: fieldMap, cipher: appCipher(keyring), blindIndexer }));
}
