/**
 * Fresh applications outside the workspace, as a user makes them: one npm install (of the tarballs
 * and the registry's Prisma, TypeScript and tsx) in a parent directory, and one app per module system
 * below it, each with its own package.json `type` and tsconfig.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runOrThrow } from './run-command';

export type ModuleSystem = 'commonjs' | 'module';

/** Versions a new Prisma 7 app would pick today; the workspace uses the same ranges. */
const REGISTRY_DEPENDENCIES = {
  '@prisma/adapter-pg': '^7.10.1',
  '@prisma/client': '^7.10.0',
  prisma: '^7.10.1',
  typescript: '~5.9.3',
  tsx: '^4.23.15',
  '@types/node': '^20.19.0',
} as const;

export async function installDependencies(root: string, tarballs: ReadonlyMap<string, string>): Promise<void> {
  const dependencies = { ...REGISTRY_DEPENDENCIES, ...Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`])) };
  writeFileSync(join(root, 'package.json'), `${JSON.stringify({ name: 'pack-test-apps', private: true, dependencies }, null, 2)}\n`);
  await runOrThrow('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: root });
}

/** What `tsc` needs to compile the app as the module system runs it. */
function tsconfig(moduleSystem: ModuleSystem): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: moduleSystem === 'module' ? 'nodenext' : 'node16',
      moduleResolution: moduleSystem === 'module' ? 'nodenext' : 'node16',
      strict: true,
      skipLibCheck: true,
      outDir: 'dist',
      rootDir: '.',
    },
    include: ['*.ts', 'prisma/generated/**/*.ts'],
    exclude: ['dist', 'prisma.config.ts', 'prisma-kms.config.ts'],
  }, null, 2);
}

/** Writes an app (files by relative path) below `root`; returns its directory. */
export function writeApp(root: string, moduleSystem: ModuleSystem, files: ReadonlyMap<string, string>): string {
  const dir = join(root, moduleSystem === 'module' ? 'esm-app' : 'cjs-app');
  const all = new Map(files);
  all.set('package.json', `${JSON.stringify({ name: `pack-test-${moduleSystem}`, private: true, type: moduleSystem }, null, 2)}\n`);
  all.set('tsconfig.json', `${tsconfig(moduleSystem)}\n`);
  for (const [path, text] of all) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
