#!/usr/bin/env node
// Runs a command with PRISMA_SCHEMA_ENGINE_BINARY pointing at the WebAssembly engine when the native
// one could not be downloaded (see src/engine-choice.mjs). Development only.
//   with-schema-engine <command> [args...]     e.g. with-schema-engine turbo run test
//   with-schema-engine --print-env             prints `export PRISMA_SCHEMA_ENGINE_BINARY=...` for eval
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseSchemaEngine } from '../src/engine-choice.mjs';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const engine = chooseSchemaEngine(process.env, workspaceRoot);
const [command, ...args] = process.argv.slice(2);

if (command === '--print-env' || command === undefined) {
  if (engine) console.log(`export PRISMA_SCHEMA_ENGINE_BINARY=${JSON.stringify(engine)}`);
  process.exit(0);
}
const env = engine ? { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine } : process.env;
const child = spawn(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
