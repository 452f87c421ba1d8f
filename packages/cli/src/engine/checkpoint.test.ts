import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore, type CheckpointIdentity } from './checkpoint';

const identity: CheckpointIdentity = { command: 'encrypt', model: 'AuditEntry', table: 'audit_entries', fields: ['payload'], shard: '2/3' };

describe('CheckpointStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pkms-checkpoint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a composite key with its types (bigint, date, string)', () => {
    const store = new CheckpointStore(join(dir, 'nested'));
    const when = new Date('2026-01-02T03:04:05.678Z');
    store.save(identity, [10n ** 20n, when, 'acme'], 1234);
    expect(store.load(identity)).toEqual({ after: [10n ** 20n, when, 'acme'], rowsScanned: 1234 });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['checkpoint-encrypt-AuditEntry-shard-2-of-3.json']);
  });

  it('ignores a checkpoint of another run (command, fields, shard or target key)', () => {
    const store = new CheckpointStore(dir);
    store.save(identity, [1], 1);
    expect(store.load({ ...identity, fields: ['payload', 'other'] })).toBeNull();
    expect(store.load({ ...identity, shard: null })).toBeNull();
    expect(store.load({ ...identity, command: 'decrypt' })).toBeNull();
    expect(store.load({ ...identity, targetKey: 'aws-kms:arn' })).toBeNull();
  });

  it('treats a torn file as no checkpoint (rescanning is always safe)', () => {
    const store = new CheckpointStore(dir);
    writeFileSync(store.pathFor(identity), '{"version":1,');
    expect(store.load(identity)).toBeNull();
  });

  it('clear removes it', () => {
    const store = new CheckpointStore(dir);
    store.save(identity, [1], 1);
    store.clear(identity);
    expect(store.load(identity)).toBeNull();
  });
});
