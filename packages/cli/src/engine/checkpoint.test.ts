import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore, type CheckpointIdentity } from './checkpoint';

const identity: CheckpointIdentity = { command: 'encrypt', model: 'AuditEntry', table: 'audit_entries', fields: ['payload'], shard: '2/3', database: 'app|16384|public', configDigest: 'c0ffee' };

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

  it('ignores a checkpoint of another run (command, fields, shard, target key, database or configuration)', () => {
    const store = new CheckpointStore(dir);
    store.save(identity, [1], 1);
    expect(store.load({ ...identity, database: 'staging|16384|public' })).toBeNull();
    expect(store.load({ ...identity, configDigest: 'beef' })).toBeNull();
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

  it('ignores a version 1 checkpoint, which knew neither database nor configuration', () => {
    const store = new CheckpointStore(dir);
    store.save(identity, [1], 1);
    const path = store.pathFor(identity);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"version": 2', '"version": 1'));
    expect(store.load(identity)).toBeNull();
  });

  it('another command on a shared field deletes the checkpoint; other shards of the same run and other fields keep theirs', () => {
    const store = new CheckpointStore(dir);
    const otherShard = { ...identity, shard: '1/3' };
    const otherField = { ...identity, command: 'decrypt', fields: ['action'] };
    store.save(identity, [1], 1);
    store.save(otherShard, [1], 1);
    store.save(otherField, [1], 1);
    expect(store.invalidateOthers({ ...identity, shard: '3/3' })).toEqual([]);
    const removed = store.invalidateOthers({ ...identity, command: 'decrypt', shard: null });
    expect(removed.sort()).toEqual([store.pathFor(identity), store.pathFor(otherShard)].sort());
    expect(store.load(otherField)).not.toBeNull();
    store.invalidateOthers({ ...identity, configDigest: 'beef' });
    expect(store.load(otherField)).not.toBeNull();
  });

  it('clear removes it', () => {
    const store = new CheckpointStore(dir);
    store.save(identity, [1], 1);
    store.clear(identity);
    expect(store.load(identity)).toBeNull();
  });
});
