/**
 * Prisma keeps the arguments of its last 100 debug calls in memory, whether or not DEBUG is on (for
 * its crash reports), in two places:
 * - `@prisma/debug`, which the driver adapters log every query through, with its parameters;
 * - the copy of it bundled into Prisma's client runtime (`@prisma/client/runtime/client`), where each
 *   `$queryRawUnsafe`/`$executeRawUnsafe` logs its SQL and its parameters as one JSON string.
 * For the CLI that is the last batch UPDATEs: every new ciphertext and every old value (plaintext
 * among them), held for nothing. Measured with heap snapshots: the bundled history alone held 27 MB of
 * a 64 MB heap in `rotate` of ordinary rows, and 57 MB of 100 MB with rows of 256 KB values.
 * `@prisma/debug` exports `clearLogs()`; the bundled copy has none, but its history is a window of the
 * last {@link BUNDLED_HISTORY_LENGTH} calls, so logging that many empty messages through its exported
 * `Debug`, under a namespace that is not enabled, pushes everything else out.
 * This module finds both in the modules loaded so far (the config's database factory has run) and in
 * the copies the driver adapters resolve. It is best effort: when nothing is found, the CLI works the
 * same, with more memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type ClearLogs = () => void;

/** `Debug` as Prisma's client runtime exports it: `Debug(namespace)(...args)`. */
type BundledDebug = ((namespace: string) => ((...args: unknown[]) => void) & { enabled?: boolean }) & { enabled?: (namespace: string) => boolean };

/** Entries the bundled history keeps (`@prisma/debug`'s own limit, 100), with room to spare. */
export const BUNDLED_HISTORY_LENGTH = 128;
// not under `prisma*` (Prisma's documented DEBUG pattern), so debugging Prisma does not turn the flush off
const FLUSH_NAMESPACE = 'pkms-flush-debug-history';

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
 * A function per debug history found that empties it: the `clearLogs` of every `@prisma/debug`
 * loaded or reachable from the adapters installed where the config lives or in the working directory
 * (in both module systems: an ESM import and a CommonJS require are two copies), and a flush of every
 * loaded Prisma client runtime's bundled history.
 *
 * @example
 * ```ts
 * const histories = await findPrismaDebugHistories(configPath, process.cwd());
 * // after each batch UPDATE:
 * histories.forEach((clear) => clear());
 * ```
 */
export async function findPrismaDebugHistories(configPath: string, cwd: string): Promise<ClearLogs[]> {
  const found = new Set<ClearLogs>();
  const flushed = new Set<BundledDebug>();
  for (const [path, loaded] of Object.entries(require.cache)) {
    const exports = loaded?.exports as { clearLogs?: unknown; Debug?: unknown } | undefined;
    if (/[\\/]@prisma[\\/]debug[\\/]/.test(path) && typeof exports?.clearLogs === 'function') found.add(exports.clearLogs as ClearLogs);
    if (/[\\/]@prisma[\\/]client[\\/]runtime[\\/]/.test(path) && typeof exports?.Debug === 'function') flushed.add(exports.Debug as BundledDebug);
  }
  for (const debug of flushed) found.add(bundledHistoryFlush(debug));
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

/**
 * Empties the history of a `Debug` bundled into Prisma's client runtime by logging
 * {@link BUNDLED_HISTORY_LENGTH} empty messages. Does nothing while DEBUG enables the namespace (the
 * messages would be printed; whoever debugs keeps the history anyway).
 */
export function bundledHistoryFlush(debug: BundledDebug): ClearLogs {
  const log = debug(FLUSH_NAMESPACE);
  return () => {
    if (debug.enabled?.(FLUSH_NAMESPACE) ?? true) return;
    for (let i = 0; i < BUNDLED_HISTORY_LENGTH; i++) log('');
  };
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
