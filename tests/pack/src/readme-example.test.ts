// The README's app and examples/postgres-kms are one app: a change to one must be made to the other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './harness/pack-workspace';
import { readmeFiles } from './harness/readme-files';

const files = readmeFiles(readFileSync(join(WORKSPACE_ROOT, 'README.md'), 'utf8'));

it('the README names the files of a whole app', () => {
  expect([...files.keys()].sort()).toEqual(['db.ts', 'encryption.ts', 'main.ts', 'prisma-kms.config.ts', 'prisma.config.ts', 'prisma/schema.prisma']);
});

it.each([...files.keys()])('examples/postgres-kms/%s is the README block', (path) => {
  expect(readFileSync(join(WORKSPACE_ROOT, 'examples', 'postgres-kms', path), 'utf8')).toBe(files.get(path));
});
