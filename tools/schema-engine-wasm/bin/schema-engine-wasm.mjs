#!/usr/bin/env node
// Prisma's schema engine from its WebAssembly build, spoken to as the native `schema-engine` binary:
// point PRISMA_SCHEMA_ENGINE_BINARY at this file (bin/with-schema-engine.mjs does). Development only.
//   schema-engine-wasm --version
//   schema-engine-wasm --datasource <json> cli <can-connect-to-database|create-database>
//   schema-engine-wasm --datasource <json> [--datamodels <file>...]    (JSON-RPC on stdin/stdout)
import { runCliCommand } from '../src/cli-commands.mjs';
import { EngineSession } from '../src/engine-session.mjs';
import { lastPanicMessage, loadWasmEngine } from '../src/wasm-engine.mjs';
import { serveJsonRpc } from '../src/rpc-server.mjs';
import { logLine } from '../src/stderr-log.mjs';
import { readFileSync } from 'node:fs';

process.removeAllListeners('warning'); // the CLI parses stderr as JSON lines: no Node warnings there

const args = process.argv.slice(2);
const valuesOf = (flag) => args.flatMap((arg, i) => (arg === flag && args[i + 1] !== undefined ? [args[i + 1]] : []));

const wasm = await loadWasmEngine();
if (args.includes('--version') || args.includes('-V')) {
  console.log(`schema-engine-cli ${wasm.version()} (wasm)`);
  process.exit(0);
}

const datasource = JSON.parse(valuesOf('--datasource')[0] ?? '{}');
const datamodels = valuesOf('--datamodels').map((file) => [file, readFileSync(file, 'utf8')]);
const session = new EngineSession(wasm, datasource, datamodels.length > 0 ? datamodels : undefined);

const exit = (code) => {
  try {
    session.close();
  } finally {
    process.exit(code);
  }
};

if (args.includes('cli')) {
  logLine('INFO', { message: 'Starting schema engine CLI (wasm)' }); // the CLI skips the first line
  try {
    await runCliCommand(args[args.indexOf('cli') + 1], session, datasource);
    exit(0);
  } catch (error) {
    logLine('ERROR', { is_panic: false, error_code: error?.code, message: String(error?.message ?? error) });
    exit(1);
  }
}

// A Rust panic inside async Wasm code surfaces here: exit as the native binary does (101).
const panic = (error) => {
  logLine('ERROR', { is_panic: true, message: lastPanicMessage() ?? String(error?.stack ?? error) });
  exit(101);
};
process.on('uncaughtException', panic).on('unhandledRejection', panic).on('SIGTERM', () => exit(0));
serveJsonRpc(session, () => exit(0));
