import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, locateConfig } from './load-config';

describe('config loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pkms-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fields = `{ provider: 'sqlite', models: { User: { dbName: 'users', primaryKey: [{ name: 'id', dbName: 'id', type: 'Int' }], encrypted: {} } } }`;

  it('finds the default file and loads TypeScript with its named exports', async () => {
    writeFileSync(
      join(dir, 'prisma-kms.config.ts'),
      `const typed: number = 1;\nexport const recovery = () => ({ typed });\nexport default { fields: ${fields}, cipher: () => ({}), database: () => ({}), batchSize: 250 };\n`,
    );
    const path = locateConfig(dir);
    expect(path).toBe(join(dir, 'prisma-kms.config.ts'));
    const loaded = await loadConfig(path);
    expect(loaded.config.batchSize).toBe(250);
    expect(typeof loaded.exports.recovery).toBe('function');
  });

  it('reports a missing file and an invalid shape by path, with a code', async () => {
    expect(() => locateConfig(dir)).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }));
    expect(() => locateConfig(dir, 'nope.ts')).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }));
    const path = join(dir, 'bad.config.mjs');
    writeFileSync(path, `export default { fields: { provider: 'sqlite', models: { User: { dbName: 'users' } } }, cipher: 1, database: () => ({}), batchSize: -1 };\n`);
    const failure = loadConfig(path);
    await expect(failure).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain('fields.models.User.primaryKey');
    expect(message).toContain('cipher');
    expect(message).toContain('batchSize');
  });

  it('reports a module that does not load', async () => {
    const path = join(dir, 'broken.config.ts');
    writeFileSync(path, `import { nothing } from './missing-module';\nexport default nothing;\n`);
    await expect(loadConfig(path)).rejects.toMatchObject({ code: 'CONFIG_LOAD_FAILED' });
  });
});
