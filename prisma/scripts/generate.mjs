// Generates, for each provider, a copy of schema.prisma with that provider, its Prisma client and
// field map (`prisma generate`), and the DDL that creates its tables (`prisma migrate diff`), so the
// tests can make a fresh database per test file without running the schema engine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = readFileSync(join(root, 'schema.prisma'), 'utf8');
const prismaBin = join(root, 'node_modules', '.bin', 'prisma');

for (const provider of ['sqlite', 'postgresql', 'mysql']) {
  const out = join(root, 'generated', provider);
  mkdirSync(out, { recursive: true });
  const schema = base
    .replace(/provider = "sqlite"/, `provider = "${provider}"`)
    .replaceAll('./generated/sqlite/', './');
  const schemaPath = join(out, 'schema.prisma');
  writeFileSync(schemaPath, schema);
  execFileSync(prismaBin, ['generate', '--schema', schemaPath], { stdio: 'inherit', cwd: root });
  if (provider === 'mysql') {
    // The WebAssembly schema engine on our machines has no MySQL connector: the MySQL DDL is kept by hand.
    copyFileSync(join(root, 'mysql', 'schema.sql'), join(out, 'schema.sql'));
  } else {
    const sql = execFileSync(
      prismaBin,
      ['migrate', 'diff', '--from-empty', '--to-schema', schemaPath, '--script'],
      { cwd: root, encoding: 'utf8' },
    );
    writeFileSync(join(out, 'schema.sql'), sql);
  }
}
