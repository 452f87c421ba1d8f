import fc from 'fast-check';
import { parseShard, shardOfKey, shardsInSql } from './shard';

describe('parseShard', () => {
  it('reads 1-based i/n into a 0-based shard', () => {
    expect(parseShard('1/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard('4/4')).toEqual({ index: 3, count: 4 });
  });

  it.each(['0/4', '5/4', '1/0', 'a/b', '1-4', ''])('refuses %p as a usage error', (text) => {
    expect(() => parseShard(text)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('shards', () => {
  it('are taken in SQL only for a single integer key', () => {
    expect(shardsInSql([{ field: 'id', column: 'id', type: 'Int' }])).toBe(true);
    expect(shardsInSql([{ field: 'id', column: 'id', type: 'String' }])).toBe(false);
    expect(shardsInSql([{ field: 'a', column: 'a', type: 'Int' }, { field: 'b', column: 'b', type: 'Int' }])).toBe(false);
  });

  it('put every key in exactly one shard, the same one every time', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer())), fc.integer({ min: 1, max: 16 }), (key, count) => {
        const shard = shardOfKey(key, count);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(count);
        expect(shardOfKey([...key], count)).toBe(shard);
      }),
    );
  });
});
