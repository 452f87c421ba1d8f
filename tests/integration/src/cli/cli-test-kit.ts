/**
 * Shared set-up of the CLI tests: a test database seeded with users and audit entries whose values
 * are chosen to catch byte changes, local keys, per-test config files, and two ways to run the CLI
 * (in-process `runCli`, and the real bin in a child process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@prisma-kms/cli';
import { createTestDatabase, type Provider, type TestDatabase } from '../harness';
import { cipherFor, newIndexKey, type FixtureOptions, type IndexKeyFixture, type NamedKey } from './fixtures/config-factory';

export const BIN = require.resolve('@prisma-kms/cli/package.json').replace(/package\.json$/, 'bin/prisma-kms.js');

/**
 * Writes a `prisma-kms.config.ts` (or `name`) in `dir` whose default export is `exportName` of the
 * fixture module `factory` called with `options` (as JSON), so the real bin loads it as a user's config.
 * Returns its path.
 */
export function writeConfigModule(dir: string, factory: string, exportName: string, options: unknown, name = 'prisma-kms.config.ts'): string {
  const path = join(dir, name);
  writeFileSync(path, `import { ${exportName} } from ${JSON.stringify(factory)};\nexport default ${exportName}(${JSON.stringify(options)});\n`);
  return path;
}
const FACTORY = resolve(__dirname, 'fixtures', 'config-factory.ts');

export function newKey(name: string): NamedKey {
  return { name, key: randomBytes(32).toString('base64') };
}

/**
 * A user's encrypted values: unicode in both normal forms, padding, an empty string, text that starts like
 * a message's base64 (with a space, so it is plaintext: pure base64 starting `AgR4` is judged a damaged
 * message, see cli-malformed.test.ts), a long value, nulls.
 */
export function userValues(id: number): { name: string; email: string; phone: string | null } {
  const names = [`Zoë ${id}`, `名前 ${id}`, `  padded ${id}  `, `e\u0301 decomposed ${id}`, '', `🎉 emoji ${id}`, `AgR4QUJD ${id}`, `long ${'x'.repeat(1500)} ${id}`];
  return {
    name: names[id % names.length]!,
    email: `user${id}@example.com`,
    phone: id % 3 === 0 ? null : `+1 555 ${String(id).padStart(4, '0')}`,
  };
}

export function auditValues(index: number): { tenant: string; seq: number; payload: string; action: string } {
  return { tenant: `tenant-${index % 5}`, seq: Math.floor(index / 5), payload: `{"event":"login","n":${index},"ip":"10.0.0.${index % 256}"}`, action: 'login' };
}

export interface StoredUser {
  id: number;
  name: string;
  email: string;
  phone_number: string | null;
}

export interface StoredAudit {
  tenant: string;
  seq: number;
  payload: string;
}

export class CliFixture {
  readonly dir: string;
  readonly k1 = newKey('k1');
  readonly k2 = newKey('k2');
  readonly k3 = newKey('k3');

  private constructor(
    readonly db: TestDatabase,
    readonly indexKey: IndexKeyFixture,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'pkms-cli-'));
  }

  static async create(provider: Provider): Promise<CliFixture> {
    return new CliFixture(await createTestDatabase(provider), await newIndexKey(newKey('index-wrapping')));
  }

  get provider(): Provider {
    return this.db.provider;
  }

  /** Writes a config module (default: generator k1) and returns its path. */
  writeConfig(options: Partial<Omit<FixtureOptions, 'provider' | 'url'>> = {}, name = 'prisma-kms.config.ts'): string {
    const full: FixtureOptions = { provider: this.provider, url: this.db.url, generator: this.k1, indexKey: this.indexKey, ...options };
    return writeConfigModule(this.dir, FACTORY, 'fixtureConfig', full, name);
  }

  /**
   * Runs the CLI in this process, in the fixture's directory. `stdin` (default: an empty stream that is not
   * a terminal) is what `keys shred` reads its confirmation from.
   */
  async run(args: readonly string[], stdin: NodeJS.ReadableStream & { isTTY?: boolean } = emptyInput()): Promise<{ status: number; stdout: string; stderr: string }> {
    const stdout = collect();
    const stderr = collect();
    const status = await runCli(args, { cwd: this.dir, stdin, stdout: stdout.stream, stderr: stderr.stream });
    return { status, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** Starts the real bin in a child process, in the fixture's directory. */
  spawnBin(args: readonly string[]): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], { cwd: this.dir, env: { ...process.env, PRISMA_KMS_DEBUG: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs the real bin to completion. */
  runBin(args: readonly string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
    const child = this.spawnBin(args);
    return finished(child);
  }

  async seedUsers(count: number, firstId = 1): Promise<void> {
    const q = this.db.raw.quote;
    for (let start = 0; start < count; start += 500) {
      const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => firstId + start + i);
      await this.db.raw.query(
        `INSERT INTO ${q('users')} (${q('id')}, ${q('name')}, ${q('email')}, ${q('phone_number')}) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}`,
        rows.flatMap((id) => {
          const v = userValues(id);
          return [id, v.name, v.email, v.phone];
        }),
      );
    }
  }

  async seedAudit(count: number): Promise<void> {
    const q = this.db.raw.quote;
    for (let start = 0; start < count; start += 500) {
      const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => auditValues(start + i));
      await this.db.raw.query(
        `INSERT INTO ${q('audit_entries')} (${q('tenant')}, ${q('seq')}, ${q('payload')}, ${q('action')}) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}`,
        rows.flatMap((r) => [r.tenant, r.seq, r.payload, r.action]),
      );
    }
  }

  async users(): Promise<StoredUser[]> {
    const q = this.db.raw.quote;
    const rows = await this.db.raw.query<StoredUser>(`SELECT ${q('id')}, ${q('name')}, ${q('email')}, ${q('phone_number')} FROM ${q('users')} ORDER BY ${q('id')}`);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async audits(): Promise<StoredAudit[]> {
    const q = this.db.raw.quote;
    const rows = await this.db.raw.query<StoredAudit>(
      `SELECT ${q('tenant')}, ${q('seq')}, ${q('payload')} FROM ${q('audit_entries')} ORDER BY ${q('tenant')}, ${q('seq')}`,
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** A cipher with all three keys, for decrypting what the CLI wrote. */
  readerCipher() {
    return cipherFor(undefined, [this.k1, this.k2, this.k3]);
  }

  /** Every user decrypted exactly once (a doubly encrypted value would come back as ciphertext, not the original). */
  async decryptedUsers(): Promise<StoredUser[]> {
    const cipher = this.readerCipher();
    const users = await this.users();
    return Promise.all(
      users.map(async (u) => ({
        id: u.id,
        name: await cipher.decrypt(u.name, { model: 'User', field: 'name' }),
        email: await cipher.decrypt(u.email, { model: 'User', field: 'email' }),
        phone_number: u.phone_number === null ? null : await cipher.decrypt(u.phone_number, { model: 'User', field: 'phone' }),
      })),
    );
  }

  async cleanup(): Promise<void> {
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What the seeded users look like in plaintext. */
export function expectedUsers(count: number, firstId = 1): StoredUser[] {
  return Array.from({ length: count }, (_, i) => {
    const v = userValues(firstId + i);
    return { id: firstId + i, name: v.name, email: v.email, phone_number: v.phone };
  });
}

export function finished(child: ChildProcess): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolvePromise({ status, signal, stdout, stderr }));
  });
}

function emptyInput(): PassThrough {
  const input = new PassThrough();
  input.end();
  return input;
}

/** A terminal the operator types `line` into (for `keys shred`'s confirmation). */
export function typedInput(line: string): PassThrough & { isTTY: boolean } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  input.end(`${line}\n`);
  return input;
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** True when `value` parses as an Encryption SDK message (never decided by looking at characters). */
export function isCiphertext(value: string | null): boolean {
  probe ??= cipherFor(newKey('probe'));
  return value !== null && probe.inspect(value).kind === 'ciphertext';
}
let probe: ReturnType<typeof cipherFor> | undefined;
