/**
 * `npm pack` / `pnpm pack` / `npm publish` of a package from a clean checkout must build it (the packed
 * CLI once shipped without dist/). Each published package is copied without its dist/ (its
 * node_modules and the workspace's linked, so nothing is installed), its prepack run, and the files its manifest points
 * at checked. A copy, so that the workspace's own dist/ is never rebuilt under tests running beside it.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishedPackages, WORKSPACE_ROOT } from './harness/pack-workspace';
import { runOrThrow } from './harness/run-command';

interface Manifest {
  main?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | { default?: string; types?: string }>;
}

/** Every file the manifest's main, bin and exports name. */
function entryFiles(manifest: Manifest): string[] {
  const fromExports = Object.values(manifest.exports ?? {}).flatMap((target) => (typeof target === 'string' ? [target] : [target.default, target.types]));
  return [manifest.main, ...Object.values(manifest.bin ?? {}), ...fromExports].filter((f): f is string => typeof f === 'string');
}

const root = mkdtempSync(join(tmpdir(), 'prisma-kms-prepack-'));
cpSync(join(WORKSPACE_ROOT, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules')); // the hoisted toolchain and @types
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(publishedPackages().map((p) => [p.name, p.dir] as const))('%s', (_name, dir) => {
  it('builds in prepack from a checkout without dist/, and has every file its manifest names', async () => {
    const copy = join(root, 'packages', dir.split(/[\\/]/).pop()!);
    cpSync(dir, copy, { recursive: true, filter: (source) => !/[\\/](dist|node_modules)$/.test(source) });
    symlinkSync(join(dir, 'node_modules'), join(copy, 'node_modules'));
    expect(existsSync(join(copy, 'dist'))).toBe(false);
    await runOrThrow('npm', ['run', 'prepack'], { cwd: copy });
    const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Manifest;
    const missing = entryFiles(manifest).filter((file) => !existsSync(join(copy, file)));
    expect(missing).toEqual([]);
  });
});
