import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chooseSchemaEngine, WASM_ENGINE_BIN } from '../src/engine-choice.mjs';

const roots = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
function workspace({ nativeEngine }) {
  const root = mkdtempSync(join(tmpdir(), 'schema-engine-choice-'));
  roots.push(root);
  const engines = join(root, 'node_modules', '.pnpm', '@prisma+engines@7.10.1', 'node_modules', '@prisma', 'engines');
  mkdirSync(engines, { recursive: true });
  writeFileSync(join(engines, 'package.json'), '{}');
  if (nativeEngine) writeFileSync(join(engines, 'schema-engine-debian-openssl-3.0.x'), '');
  return root;
}

describe('chooseSchemaEngine', () => {
  it('picks the WebAssembly engine when @prisma/engines could not download the native one', () => {
    assert.equal(chooseSchemaEngine({}, workspace({ nativeEngine: false })), WASM_ENGINE_BIN);
  });
  it('leaves the CLI alone when the native engine is there', () => {
    assert.equal(chooseSchemaEngine({}, workspace({ nativeEngine: true })), undefined);
  });
  it('leaves an explicit PRISMA_SCHEMA_ENGINE_BINARY alone', () => {
    assert.equal(chooseSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: '/opt/schema-engine' }, workspace({ nativeEngine: false })), undefined);
  });
  it('SCHEMA_ENGINE=wasm forces the WebAssembly engine', () => {
    assert.equal(chooseSchemaEngine({ SCHEMA_ENGINE: 'wasm' }, workspace({ nativeEngine: true })), WASM_ENGINE_BIN);
  });
});

describe('schema-engine-wasm --version', () => {
  it('answers like the native binary, from the WebAssembly build', () => {
    const out = execFileSync(process.execPath, [WASM_ENGINE_BIN, '--version'], { encoding: 'utf8' });
    assert.match(out, /^schema-engine-cli [0-9a-f]{40} \(wasm\)\n$/);
  });
});
