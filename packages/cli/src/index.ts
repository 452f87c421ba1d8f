/**
 * `@prisma-kms/cli`: the `prisma-kms` command (status, encrypt, rotate, decrypt, verify, reindex, keys) and the
 * pieces to drive it from code.
 *
 * @example
 * ```ts
 * // prisma-kms.config.ts
 * import { defineConfig } from '@prisma-kms/cli';
 * export default defineConfig({ fields, cipher: () => createFieldCipher({ keyring }), database: () => prisma });
 * ```
 */
export { defineConfig, type PrismaKmsConfig, type MigrationCipher, type MigrationBlindIndexer, type RawSqlClient, type KeyStoreConfig, type FieldRef, type Provide, type SqlProvider } from './config/define-config';
export { runCli, EXIT, type CliIo } from './commands/program';
export { CliError, isCliError, CLI_ERROR_CODES, type CliErrorCode } from './errors';
export { runMigration, type MigrationOptions, type TableMigrationResult, type TableProgress, type ValueFailure } from './engine/run-migration';
export { collectStatus, type FieldStatus } from './engine/collect-status';
export { verifyTables, PLAINTEXT_FAILURE, type TableVerifyResult } from './engine/verify-values';
export { selectTargets, indexedTargets, type TableTarget, type TargetSelection } from './engine/table-target';
export { MALFORMED_FAILURE } from './engine/value-state';
export { CheckpointStore } from './engine/checkpoint';
export { inThreadCrypto, type BatchCrypto, type CryptoItem } from './engine/batch-crypto';
export { startCryptoWorkers } from './engine/crypto-workers';
export { parseShard, type ShardSpec } from './engine/shard';
export { dialectFor, type Dialect } from './sql/dialect';
export { findPrismaDebugHistories } from './commands/prisma-debug-history';
