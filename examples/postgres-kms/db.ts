import { PrismaPg } from '@prisma/adapter-pg';
import { createBlindIndexer } from '@prisma-kms/field-crypto';
import { fieldEncryption, prismaKeyStorage } from '@prisma-kms/prisma';
import { PrismaClient } from './prisma/generated/client/client.js';
import { fieldMap } from './prisma/generated/field-map/index.js';
import { appCipher, appIndexKeys, appKeyring } from './encryption.js';

/** The application's Prisma client. Call it once at start-up: it decrypts the index keys. */
export async function createPrisma() {
  const keyring = appKeyring();
  const blindIndexer = createBlindIndexer(await appIndexKeys(keyring));
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) });
  // the key store reads its rows through the client without the extension
  const cipher = appCipher(prismaKeyStorage(prisma.prismaKmsKey), keyring);
  return prisma.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer }));
}
