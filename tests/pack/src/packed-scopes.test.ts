/**
 * Keys per tenant from the tarballs: a fresh CommonJS and a fresh ESM app outside the workspace (its
 * own fixture, fixtures/scoped-app: a scoped model, the key store in the database, `$forScope`), on a
 * fresh PostgreSQL database with kms-local, run under tsx and compiled by tsc for plain node. Proves
 * that the published packages carry key scopes (generator, extension, key store, shredding) as a user
 * installs them, not only inside the workspace.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APP_RUNS, setUpPackedApps, type PackedApps } from './harness/packed-apps';

const FIXTURE = join(__dirname, '..', 'fixtures', 'scoped-app');

/** Every file of the fixture, by path relative to it. */
function fixtureFiles(dir = FIXTURE, files = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fixtureFiles(path, files);
    else files.set(relative(FIXTURE, path), readFileSync(path, 'utf8'));
  }
  return files;
}

let packed: PackedApps;

beforeAll(async () => {
  packed = await setUpPackedApps('prisma-kms-pack-scopes-', fixtureFiles());
}, 900_000);

afterAll(async () => {
  await packed?.close();
});

interface ScopedRun {
  tenants: [string, string];
  renamed: number;
  found: string | undefined;
  refused: string;
  names: (string | null)[];
  afterShred: (string | null)[];
}

describe.each(APP_RUNS)('key scopes in a %s app, run with %s', (moduleSystem, runner) => {
  it('two tenants under their own keys, $forScope, a refused write without a tenant, a shredded tenant reading as null', async () => {
    const result = (await packed.runMain(moduleSystem, runner)) as ScopedRun;
    expect(result).toEqual({
      tenants: result.tenants,
      renamed: 1,
      found: 'Ada Lovelace',
      refused: 'PRISMA_KMS_SCOPE_REQUIRED',
      names: ['Ada Lovelace', 'Ada G.'],
      afterShred: ['Ada Lovelace', null],
    });
    // At rest: compact values, each under a key version of its own tenant's scope.
    const rows = await packed.db.query<{ tenant_id: string; name: string; scope: string; status: string }>(
      `SELECT m.tenant_id, m.name, k.scope, k.status FROM members m
       JOIN prisma_kms_keys k ON k.key_store = 'app' AND k.purpose = 'field' AND k.scope = m.tenant_id
       WHERE m.tenant_id = ANY($1) ORDER BY m.id`,
      [result.tenants],
    );
    expect(rows.map((r) => [r.tenant_id, r.scope, r.status])).toEqual([
      [result.tenants[0], result.tenants[0], 'active'],
      [result.tenants[1], result.tenants[1], 'shredded'],
    ]);
    for (const row of rows) expect(row.name).toMatch(/^\/[A-P]/); // a compact value (format byte 0xFC), not plaintext
  });
});
