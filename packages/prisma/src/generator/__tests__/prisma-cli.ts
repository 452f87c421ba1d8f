// Runs the real Prisma CLI on a schema written to a fresh temporary directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../../../..');
/** The Prisma CLI of the shared schema workspace (the package's own tests have no other). */
export const PRISMA_BIN = join(repoRoot, 'prisma', 'node_modules', '.bin', 'prisma');
/** Where `provider = "prisma-kms-generator"` resolves, as it does for a user's project. */
export const WORKSPACE_BIN_DIR = join(repoRoot, 'prisma', 'node_modules', '.bin');
export const GENERATOR_BIN = resolve(__dirname, '../../../bin/prisma-kms-generator.js');
export const CAPTURE_GENERATOR = resolve(__dirname, 'capture-dmmf-generator.js');

export interface GenerateResult {
  readonly status: number | null;
  /** stdout and stderr together: Prisma prints generator failures on either depending on version. */
  readonly output: string;
  readonly dir: string;
}

/**
 * Precondition: the Prisma CLI can reach a schema engine. On machines without network access that
 * is tools/schema-engine-wasm, which the root scripts and .ci/run export as PRISMA_SCHEMA_ENGINE_BINARY.
 */
export function assertPrismaCliUsable(): void {
  if (!existsSync(PRISMA_BIN)) {
    throw new Error(`Prisma CLI not found at ${PRISMA_BIN}: run pnpm install.`);
  }
  if (!existsSync(GENERATOR_BIN.replace(/bin[\\/]prisma-kms-generator\.js$/, join('dist', 'generator', 'main.js')))) {
    throw new Error('dist/generator/main.js is missing: run `pnpm --filter @prisma-kms/prisma build` first.');
  }
}

/** Makes a temporary directory that `cleanup` removes. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `prisma-kms-${prefix}-`));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `schema` as `<dir>/schema.prisma` and runs `prisma generate` on it. */
export function prismaGenerate(dir: string, schema: string): GenerateResult {
  writeFileSync(join(dir, 'schema.prisma'), schema);
  const result = spawnSync(PRISMA_BIN, ['generate', '--schema', join(dir, 'schema.prisma')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: [WORKSPACE_BIN_DIR, process.env.PATH].filter(Boolean).join(delimiter), PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`, dir };
}

/** Fails with Prisma's own output (and a hint when the schema engine could not be fetched). */
export function expectGenerated(result: GenerateResult): void {
  if (result.status === 0) return;
  const hint = /binaries\.prisma|ENOTFOUND/.test(result.output)
    ? '\nThe Prisma CLI could not download its schema engine: run the tests through the root scripts (pnpm test), or eval "$(node tools/schema-engine-wasm/bin/with-schema-engine.mjs --print-env)".'
    : '';
  throw new Error(`prisma generate exited with ${String(result.status)}:\n${result.output}${hint}`);
}
