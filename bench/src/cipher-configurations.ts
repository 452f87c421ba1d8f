/**
 * The prisma-kms cipher configurations the findMany benchmark races against prisma-field-encryption:
 * one row each in `pnpm bench`. A new value format or key source is one more entry here.
 */
import { createFieldCipher, createKeyStore, keyStoreAdmin, type FieldCipher, type KeyringNode } from '@prisma-kms/field-crypto';
import { prismaKeyStorage } from '@prisma-kms/prisma';
import { type PrismaClient } from '@prisma-kms/schema/postgresql';

/** What a configuration may build its cipher from: the keyring, and the benchmark's own database (a key store's table lives there). */
export interface CipherSetup {
  keyring: KeyringNode;
  database: PrismaClient;
}

export interface CipherConfiguration {
  /** The row's name in the printed table. */
  label: string;
  create(setup: CipherSetup): FieldCipher | Promise<FieldCipher>;
}

/**
 * The compact format under a key store whose rows live in the benchmark's own database
 * (`prisma_kms_keys`, created by the shared schema's SQL), through `prismaKeyStorage` on the unextended
 * client: the storage a user deploys, so the timed reads include whatever the store costs once warm.
 * Version 1 is created up front, as `prisma-kms keys create` would (the control plane, not a request).
 */
export async function compactUnderKeyStore({ keyring, database }: CipherSetup): Promise<FieldCipher> {
  const storage = prismaKeyStorage(database.prismaKmsKey);
  await keyStoreAdmin({ name: 'bench', storage, keyring }).createKeyVersion();
  return createFieldCipher({ keyStore: createKeyStore({ name: 'bench', storage, keyring }), format: 'compact' });
}

/**
 * @example
 * // another key source is one more entry:
 * { label: "prisma-kms, format 'message' (KMS)", create: () => createFieldCipher({ keyring: kmsKeyring({ ... }) }) },
 */
export const CIPHER_CONFIGURATIONS: readonly CipherConfiguration[] = [
  { label: "prisma-kms, format 'message'", create: ({ keyring }) => createFieldCipher({ keyring }) },
  { label: 'prisma-kms compact (key store, local key)', create: compactUnderKeyStore },
];
