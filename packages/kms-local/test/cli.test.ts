/** The kms-local command: --port 0 prints the chosen port, --alias seeds a key once per state file. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';

const MAIN = join(__dirname, '..', 'src', 'main.ts');

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly stderr: () => string;
}

/** Runs src/main.ts through tsx (no build needed) and waits until `count` stdout lines arrived. */
async function runCli(args: string[], count: number): Promise<Running> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), MAIN, ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      if (lines.length >= count) resolve();
    });
    child.once('exit', (code) => reject(new Error(`kms-local exited with ${code}: ${errors}`)));
  });
  return { child, lines, stderr: () => errors };
}

async function stop(running: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  return exited;
}

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'kms-local-cli-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

test('--port 0 prints the endpoint; --alias seeds a key, and a restart on the same state reuses it', async () => {
  const state = join(directory, 'kms.json');
  const first = await runCli(['--port', '0', '--state', state, '--alias', 'alias/dev'], 2);
  expect(first.lines[0]).toMatch(/^endpoint http:\/\/127\.0\.0\.1:\d+$/);
  expect(first.lines[1]).toMatch(/^key arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36} alias\/dev$/);
  expect(first.stderr()).toContain('DEVELOPMENT AND TESTS ONLY');
  expect(first.stderr()).toContain(state);
  const endpoint = first.lines[0]!.slice('endpoint '.length);
  const client = new KMSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  const arn = first.lines[1]!.split(' ')[1];
  expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/dev' }))).KeyMetadata!.Arn).toBe(arn);
  client.destroy();
  expect(await stop(first)).toBe(0);

  const second = await runCli(['--port', '0', '--state', state, '--alias', 'alias/dev', '--quiet'], 2);
  expect(second.lines[1]).toBe(`key ${arn} alias/dev (existing)`);
  expect(second.stderr()).toBe('');
  await stop(second);
}, 30_000);

test('a bad flag exits 2 with the usage text', async () => {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), MAIN, '--nope'], { stdio: 'pipe' });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(errors).toContain('Usage: kms-local');
}, 30_000);
