/**
 * Packs every published package of the workspace (`pnpm pack` turns `workspace:*` into versions), in
 * dependency order, once per jest run (jest-global-setup.ts; the test files find the tarballs through
 * {@link packedTarballs}). The dist/ it packs is turbo's build (this package depends on them all);
 * prepack, which would rebuild dist/ under tests running in parallel, is checked on copies in
 * prepack.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runOrThrow } from './run-command';

export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly dependencies?: Record<string, string>;
}

/** The packages under packages/ that are not private, each after the workspace packages it depends on. */
export function publishedPackages(root = WORKSPACE_ROOT): { name: string; version: string; dir: string }[] {
  const all = readdirSync(join(root, 'packages')).map((entry) => {
    const dir = join(root, 'packages', entry);
    return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest };
  });
  const published = all.filter(({ manifest }) => !manifest.private);
  const ordered: { name: string; version: string; dir: string }[] = [];
  const visit = (name: string): void => {
    if (ordered.some((p) => p.name === name)) return;
    const entry = published.find(({ manifest }) => manifest.name === name);
    if (!entry) return;
    Object.keys(entry.manifest.dependencies ?? {}).forEach(visit);
    ordered.push({ name, version: entry.manifest.version, dir: entry.dir });
  };
  published.forEach(({ manifest }) => visit(manifest.name));
  return ordered;
}

/** Packs each published package into `destination`; returns the tarball path by package name. */
export async function packPublishedPackages(destination: string): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  for (const { name, version, dir } of publishedPackages()) {
    await runOrThrow('pnpm', ['pack', '--config.ignore-scripts=true', '--pack-destination', destination], { cwd: dir });
    tarballs.set(name, resolve(destination, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`));
  }
  return tarballs;
}

/** How jest's globalSetup hands the tarballs to the test files (in their workers): JSON, path by name. */
export const PACKED_TARBALLS_ENV = 'PRISMA_KMS_PACKED_TARBALLS';

/**
 * The tarballs jest's globalSetup packed for this run, by package name; packs them into `destination`
 * when the run had no globalSetup (a runner without jest.config.js).
 */
export async function packedTarballs(destination: string): Promise<Map<string, string>> {
  const packed = process.env[PACKED_TARBALLS_ENV];
  if (packed === undefined) return packPublishedPackages(destination);
  return new Map(Object.entries(JSON.parse(packed) as Record<string, string>));
}
