import { defineConfig } from '@prisma-kms/cli';
import { createBlindIndexer, kmsKeyring } from '@prisma-kms/field-crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './prisma/generated/client/client.js';
import { fieldMap } from './prisma/generated/field-map/index.js';
import { appCipher, appIndexKeys, appKeyring } from './encryption.js';

export default defineConfig({
  fields: fieldMap,
  cipher: () => appCipher(),
  database: () => new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) }),
  blindIndexer: async () => createBlindIndexer(await appIndexKeys()),
  keyring: appKeyring, // `keys create-index-key` encrypts new index keys with it
  keyrings: {
    // `verify --keyring currentKeyOnly`: proves the current key alone reads everything
    currentKeyOnly: () => appCipher(kmsKeyring({ generatorKeyId: process.env.KMS_KEY_ARN! })),
  },
});
