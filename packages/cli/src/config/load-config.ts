/**
 * Finds and loads the config module with jiti (TypeScript and ESM without a build step), then
 * validates it. This is the only module that touches the file system for configuration.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createJiti } from 'jiti';
import { CliError, describeCause } from '../errors';
import { configSchema, formatIssues } from './config-schema';
import type { PrismaKmsConfig, Provide } from './define-config';

/** Looked for, in this order, in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILES = [
  'prisma-kms.config.ts',
  'prisma-kms.config.mts',
  'prisma-kms.config.cts',
  'prisma-kms.config.js',
  'prisma-kms.config.mjs',
  'prisma-kms.config.cjs',
] as const;

/** A validated config and where it came from. */
export interface LoadedConfig {
  readonly path: string;
  readonly config: PrismaKmsConfig;
  /** Every export of the config module, for `verify --keyring <export>`. */
  readonly exports: Readonly<Record<string, unknown>>;
}

/** Resolves the config file: `explicit` relative to `cwd`, or the first default that exists. */
export function locateConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw new CliError('CONFIG_NOT_FOUND', `Config file not found: ${path}`);
    return path;
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new CliError(
    'CONFIG_NOT_FOUND',
    `No config file in ${cwd} (looked for ${DEFAULT_CONFIG_FILES.join(', ')}); pass --config <path>`,
  );
}

/** Imports every export of a module file (TypeScript or JavaScript). */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const jiti = createJiti(__filename, { interopDefault: false, moduleCache: true, tryNative: true });
  try {
    const namespace = await jiti.import<Record<string, unknown>>(path);
    return namespace ?? {};
  } catch (error) {
    throw new CliError('CONFIG_LOAD_FAILED', `Could not load ${path}: ${describeLoadError(error)}`, { cause: error });
  }
}

/** Loads and validates the config module at `path`. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const namespace = await importModule(path);
  const exported = unwrapDefault(namespace);
  const parsed = configSchema.safeParse(exported);
  if (!parsed.success) {
    throw new CliError(
      'CONFIG_INVALID',
      `${path} must default-export defineConfig({ fields, cipher, database }):\n${formatIssues(parsed.error)}`,
    );
  }
  // The validated object is the user's own (factories and clients untouched), now known to be well-formed.
  return { path, config: exported as PrismaKmsConfig, exports: namespace };
}

/** Resolves a {@link Provide} value: calls a factory, awaits a promise. */
export async function provide<T extends object>(value: Provide<T>, what: 'cipher' | 'database' | 'blindIndexer' | 'keyring'): Promise<T> {
  try {
    return typeof value === 'function' ? await (value as () => T | Promise<T>)() : value;
  } catch (error) {
    throw new CliError(
      what === 'database' ? 'DATABASE_FAILED' : 'CIPHER_FAILED',
      `The config's ${what} factory threw: ${describeCause(error)}`,
      { cause: error },
    );
  }
}

/** `export default` compiled to CommonJS may arrive as `{ default: { default: config } }`. */
function unwrapDefault(namespace: Record<string, unknown>): unknown {
  let value: unknown = namespace.default ?? namespace;
  for (let depth = 0; depth < 2 && isRecord(value) && 'default' in value && !('fields' in value); depth++) {
    value = value.default;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Loader errors are about code (syntax, missing modules), not data: their message is safe to show. */
function describeLoadError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}
