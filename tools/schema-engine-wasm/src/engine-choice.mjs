// Whether a Prisma CLI run needs the WebAssembly engine: only when nothing else is there.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WASM_ENGINE_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'schema-engine-wasm.mjs');

/** Where @prisma/engines' postinstall puts the native binary (pnpm store, or npm's flat layout). */
function nativeEngineDirs(workspaceRoot) {
  const store = join(workspaceRoot, 'node_modules', '.pnpm');
  const fromStore = existsSync(store)
    ? readdirSync(store).filter((name) => name.startsWith('@prisma+engines@')).map((name) => join(store, name, 'node_modules', '@prisma', 'engines'))
    : [];
  return [...fromStore, join(workspaceRoot, 'node_modules', '@prisma', 'engines')];
}

function hasNativeEngine(dir) {
  return existsSync(dir) && readdirSync(dir).some((name) => /^schema-engine(-|$)/.test(name));
}

/**
 * The value for PRISMA_SCHEMA_ENGINE_BINARY, or undefined to leave the CLI alone: an explicit setting
 * wins, then a native engine that @prisma/engines managed to download, then ours.
 * `SCHEMA_ENGINE=wasm` forces ours (to test it on a machine that has the native one).
 */
export function chooseSchemaEngine(env, workspaceRoot) {
  if (env.SCHEMA_ENGINE === 'wasm') return WASM_ENGINE_BIN;
  if (env.PRISMA_SCHEMA_ENGINE_BINARY) return undefined;
  if (env.SCHEMA_ENGINE === 'native' || nativeEngineDirs(workspaceRoot).some(hasNativeEngine)) return undefined;
  return WASM_ENGINE_BIN;
}

