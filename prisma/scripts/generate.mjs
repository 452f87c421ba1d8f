// Generates, for each provider, a copy of schema.prisma with that provider, its Prisma client and
// field map (`prisma generate`), and the DDL that creates its tables (`prisma migrate diff`), so the
// tests can make a fresh database per test file without running the schema engine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { chooseSchemaEngine } from '@prisma-kms/schema-engine-wasm';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = readFileSync(join(root, 'schema.prisma'), 'utf8');
const bin = join(root, 'node_modules', '.bin');
const prismaBin = join(bin, 'prisma');
// Prisma finds `provider = "prisma-kms-generator"` on PATH; pnpm scripts put node_modules/.bin there,
// `node scripts/generate.mjs` run by hand does not.
const env = { ...process.env, PATH: [bin, process.env.PATH].filter(Boolean).join(delimiter) };
// Where the Prisma CLI cannot download its native schema engine, the repository's WebAssembly one
// (tools/schema-engine-wasm, development only) stands in.
const engine = chooseSchemaEngine(env, join(root, '..'));
if (engine) env.PRISMA_SCHEMA_ENGINE_BINARY = engine;

for (const provider of ['sqlite', 'postgresql', 'mysql']) {
  const out = join(root, 'generated', provider);
  mkdirSync(out, { recursive: true });
  const schema = base
    .replace(/provider = "sqlite"/, `provider = "${provider}"`)
    .replaceAll('./generated/sqlite/', './');
  const schemaPath = join(out, 'schema.prisma');
  writeFileSync(schemaPath, schema);
  execFileSync(prismaBin, ['generate', '--schema', schemaPath], { stdio: 'inherit', cwd: root, env });
  if (provider === 'mysql') {
    // The WebAssembly schema engine on our machines has no MySQL connector: the MySQL DDL is kept by hand.
    copyFileSync(join(root, 'mysql', 'schema.sql'), join(out, 'schema.sql'));
  } else {
    const sql = execFileSync(
      prismaBin,
      ['migrate', 'diff', '--from-empty', '--to-schema', schemaPath, '--script'],
      { cwd: root, env, encoding: 'utf8' },
    );
    writeFileSync(join(out, 'schema.sql'), sql);
  }
}
