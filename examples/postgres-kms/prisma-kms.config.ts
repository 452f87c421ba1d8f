import { defineConfig } from '@prisma-kms/cli';
import { createBlindIndexer, kmsKeyring } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './prisma/generated/client/client.js';
import { fieldMap } from './prisma/generated/field-map/index.js';
import { appCipher, appIndexKeys, appKeyring, KEY_STORE } from './encryption.js';

const database = () => new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) });

export default defineConfig({
  fields: fieldMap,
  database,
  cipher: () => appCipher(prismaKeyStorage(database().prismaKmsKey)),
  blindIndexer: async () => createBlindIndexer(await appIndexKeys()),
  keyring: appKeyring, // `keys create-index-key` encrypts new index keys with it
  // `keys create | rotate | list | export | import | rewrap` work on this store, with the same keyring
  keyStore: { name: KEY_STORE, storage: (db) => prismaKeyStorage(db.prismaKmsKey) },
  keyrings: {
    // `verify --keyring currentKeyOnly`: proves the current key alone reads everything
    currentKeyOnly: () => appCipher(prismaKeyStorage(database().prismaKmsKey), kmsKeyring({ generatorKeyId: process.env.KMS_KEY_ARN! })),
  },
});
