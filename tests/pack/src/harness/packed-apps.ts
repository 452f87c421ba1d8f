/**
 * The common start of every packed-app test: install the published packages' tarballs (packed once per
 * jest run) into a fresh directory outside the workspace, write a CommonJS and an ESM app from `files`, start kms-local
 * and a fresh PostgreSQL database, give the apps the environment a deployment would (database URL, KMS
 * key and endpoint), `prisma generate` in each app and `db push` once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startKmsLocal, type KmsLocal } from '@prisma-kms/kms-local';
import { installDependencies, writeApp, type ModuleSystem } from './fresh-apps';
import { packedTarballs } from './pack-workspace';
import { createPostgresDatabase, type PostgresDatabase } from './postgres-database';
import { runOrThrow } from './run-command';
import { schemaEngineEnv } from './schema-engine-env';

/** How an app's TypeScript is run: by tsx, or compiled by tsc for plain node. */
export type Runner = 'tsx' | 'tsc + node';

/** Every module system with every runner: what each packed-app test runs its app under. */
export const APP_RUNS = [
  ['commonjs', 'tsx'],
  ['commonjs', 'tsc + node'],
  ['module', 'tsx'],
  ['module', 'tsc + node'],
] as const satisfies readonly (readonly [ModuleSystem, Runner])[];

export interface PackedApps {
  readonly root: string;
  readonly kms: KmsLocal;
  readonly db: PostgresDatabase;
  /** The app directory of each module system. */
  readonly apps: ReadonlyMap<ModuleSystem, string>;
  /** The apps' environment; a test may change it as an operator would. */
  readonly env: NodeJS.ProcessEnv;
  /** A binary the tarballs installed (`prisma`, `prisma-kms`, `tsx`, `tsc`). */
  bin(name: string): string;
  /** Runs `file` in an app with the apps' environment; throws on a non-zero exit. */
  inApp(moduleSystem: ModuleSystem, file: string, args: readonly string[]): ReturnType<typeof runOrThrow>;
  /** Runs an app's main.ts under `runner` and returns the last line it prints, parsed as JSON. */
  runMain(moduleSystem: ModuleSystem, runner: Runner): Promise<unknown>;
  /** Drops the database, stops kms-local, removes the directory. */
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const packed = await setUpPackedApps('prisma-kms-pack-', readmeFiles(readme));
 * await packed.inApp('module', packed.bin('prisma-kms'), ['status']);
 * ```
 */
export async function setUpPackedApps(prefix: string, files: ReadonlyMap<string, string>): Promise<PackedApps> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let kms: KmsLocal | undefined;
  let db: PostgresDatabase | undefined;
  const close = async () => {
    await db?.drop();
    await kms?.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const tarballs = await packedTarballs(join(root, 'tarballs'));
    await installDependencies(root, tarballs);
    const apps = new Map<ModuleSystem, string>();
    for (const moduleSystem of ['commonjs', 'module'] as const) apps.set(moduleSystem, writeApp(root, moduleSystem, files));
    kms = await startKmsLocal({ quiet: true });
    db = await createPostgresDatabase();
    const bin = (name: string) => join(root, 'node_modules', '.bin', name);
    const env: NodeJS.ProcessEnv = {
      // npx and npm scripts put node_modules/.bin on PATH; Prisma finds `prisma-kms-generator` there.
      PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      KMS_KEY_ARN: (await kms.createKey({ alias: 'alias/app-data' })).arn,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_REGION: kms.region,
      AWS_ACCESS_KEY_ID: 'AKIAPACKTEST',
      AWS_SECRET_ACCESS_KEY: 'unused-by-kms-local',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      ...(await schemaEngineEnv()), // the repository's dev-only engine where the native one could not be downloaded
    };
    const inApp = (moduleSystem: ModuleSystem, file: string, args: readonly string[]) => runOrThrow(file, args, { cwd: apps.get(moduleSystem)!, env });
    const runMain = async (moduleSystem: ModuleSystem, runner: Runner): Promise<unknown> => {
      if (runner === 'tsc + node') await inApp(moduleSystem, bin('tsc'), ['-p', 'tsconfig.json']);
      const { stdout } = runner === 'tsx' ? await inApp(moduleSystem, bin('tsx'), ['main.ts']) : await inApp(moduleSystem, process.execPath, ['dist/main.js']);
      return JSON.parse(stdout.trim().split('\n').pop()!) as unknown;
    };
    for (const moduleSystem of apps.keys()) await inApp(moduleSystem, bin('prisma'), ['generate']);
    await inApp('module', bin('prisma'), ['db', 'push']);
    return { root, kms, db, apps, env, bin, inApp, runMain, close };
  } catch (e) {
    await close(); // a failed setup leaves no database, server or directory behind
    throw e;
  }
}
