/**
 * Prisma's `@prisma/debug` keeps the arguments of its last 100 debug calls in memory, whether or not
 * DEBUG is on (for its crash reports), and the driver adapters log every query with its parameters.
 * For the CLI that is the last 100 batch UPDATEs: every new ciphertext and every old value, about a
 * megabyte per batch of 1,000 rows, held for nothing (and plaintext among it). `clearLogs()` empties
 * that history; this module finds the copies of `@prisma/debug` the user's driver adapter uses.
 *
 * It is best effort: when nothing is found, the CLI works the same, with more memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type ClearLogs = () => void;

/** The driver adapters Prisma ships; each logs its queries through `@prisma/driver-adapter-utils`. */
const ADAPTERS = [
  '@prisma/adapter-pg',
  '@prisma/adapter-mariadb',
  '@prisma/adapter-better-sqlite3',
  '@prisma/adapter-neon',
  '@prisma/adapter-libsql',
  '@prisma/adapter-planetscale',
  '@prisma/adapter-mssql',
  '@prisma/adapter-d1',
] as const;

/**
 * The `clearLogs` of every `@prisma/debug` reachable from the adapters installed where the config
 * lives or in the working directory, in both module systems (an ESM import and a CommonJS require
 * are two copies).
 */
export async function findPrismaDebugHistories(configPath: string, cwd: string): Promise<ClearLogs[]> {
  const found = new Set<ClearLogs>();
  const debugPackages = new Set<string>();
  for (const base of [createRequire(configPath), createRequire(join(cwd, 'package.json'))]) {
    for (const adapter of ADAPTERS) {
      const debug = resolvePackageJson(base, adapter, '@prisma/driver-adapter-utils', '@prisma/debug');
      if (debug) debugPackages.add(debug);
    }
  }
  for (const packageJson of debugPackages) {
    for (const entry of moduleEntries(packageJson)) {
      try {
        const loaded = (entry.kind === 'esm' ? await import(pathToFileURL(entry.path).href) : require.cache[entry.path]?.exports) as
          | { clearLogs?: unknown }
          | undefined;
        if (typeof loaded?.clearLogs === 'function') found.add(loaded.clearLogs as ClearLogs);
      } catch {
        // not loadable this way: nothing to clear there
      }
    }
  }
  return [...found];
}

/** Resolves a chain of packages (each from the one before) to the last one's package.json path. */
function resolvePackageJson(from: NodeJS.Require, ...chain: string[]): string | undefined {
  let require = from;
  let packageJson: string | undefined;
  for (const name of chain) {
    try {
      const main = require.resolve(name);
      packageJson = findPackageJson(main, name);
      if (!packageJson) return undefined;
      require = createRequire(packageJson);
    } catch {
      return undefined;
    }
  }
  return packageJson;
}

function findPackageJson(file: string, name: string): string | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && dir.endsWith(join(...name.split('/')))) return candidate;
  }
  return undefined;
}

function moduleEntries(packageJson: string): Array<{ kind: 'esm' | 'cjs'; path: string }> {
  const root = dirname(packageJson);
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: unknown; main?: string; module?: string };
  const dot = (manifest.exports as Record<string, unknown> | undefined)?.['.'] as Record<string, unknown> | undefined;
  const pick = (condition: unknown): string | undefined =>
    typeof condition === 'string' ? condition : typeof (condition as { default?: unknown })?.default === 'string' ? ((condition as { default: string }).default) : undefined;
  const esm = pick(dot?.import) ?? manifest.module;
  const cjs = pick(dot?.require) ?? manifest.main;
  return [
    ...(esm ? [{ kind: 'esm' as const, path: join(root, esm) }] : []),
    ...(cjs ? [{ kind: 'cjs' as const, path: join(root, cjs) }] : []),
  ];
}
