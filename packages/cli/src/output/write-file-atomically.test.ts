import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from './write-file-atomically';

describe('writeFileAtomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prisma-kms-atomic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file with exactly the mode asked for, whatever the umask, and leaves no temporary file', () => {
    const path = join(dir, 'keys.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    const umask = process.umask(0o377); // would narrow 0600 to 0400
    try {
      writeFileAtomically(path, 'new', 0o600);
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });

  it('throws when the directory does not exist, leaving nothing behind', () => {
    const missing = join(dir, 'no-such-dir', 'keys.json');
    expect(() => writeFileAtomically(missing, 'new', 0o600)).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });
});
