// Loads Prisma's schema engine compiled to WebAssembly. The package's own entry point imports the
// .wasm file as an ES module, which Node only allows behind --experimental-wasm-modules: instantiate
// it by hand against the package's JS glue instead.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The wasm-bindgen glue, once the module is instantiated: `SchemaEngine`, `version()`. */
export async function loadWasmEngine(wasmFile = process.env.SCHEMA_ENGINE_WASM_FILE) {
  // The engine reports a Rust panic's message through this global before it throws a RuntimeError.
  globalThis.PRISMA_WASM_PANIC_REGISTRY = { message: '', set_message(message) { this.message = message; } };
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const packageDir = dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm'));
  const bytes = readFileSync(wasmFile ?? join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue;
}

/** The message of the last Rust panic, if any. */
export function lastPanicMessage() {
  return globalThis.PRISMA_WASM_PANIC_REGISTRY?.message || undefined;
}
