import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load-config';

describe('the config keyStore entry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pkms-key-store-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const base = `fields: { provider: 'sqlite', models: {} }, cipher: () => ({}), database: () => ({})`;

  it('accepts a name with a storage object or factory, and an optional keyring', async () => {
    const path = join(dir, 'ok.config.ts');
    writeFileSync(path, `export default { ${base}, keyStore: { name: 'app', storage: (db: unknown) => ({ db }), keyring: () => ({}) } };\n`);
    expect((await loadConfig(path)).config.keyStore).toMatchObject({ name: 'app' });
  });

  it('rejects an empty name and a missing storage, by path', async () => {
    const path = join(dir, 'bad.config.ts');
    writeFileSync(path, `export default { ${base}, keyStore: { name: '' } };\n`);
    const failure = loadConfig(path);
    await expect(failure).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain('keyStore.name');
    expect(message).toContain('keyStore.storage');
  });
});
