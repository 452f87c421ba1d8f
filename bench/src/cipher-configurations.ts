/**
 * The prisma-kms cipher configurations the findMany benchmark races against prisma-field-encryption:
 * one row each in `pnpm bench`. A new value format or key source is one more entry here.
 */
import { createFieldCipher, type FieldCipher, type KeyringNode } from '@prisma-kms/field-crypto';
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
 * @example
 * // the compact format, once createFieldCipher takes it:
 * { label: "prisma-kms, format 'compact'", create: ({ keyring }) => createFieldCipher({ keyring, format: 'compact' }) },
 */
export const CIPHER_CONFIGURATIONS: readonly CipherConfiguration[] = [
  { label: "prisma-kms, format 'message'", create: ({ keyring }) => createFieldCipher({ keyring }) },
];
