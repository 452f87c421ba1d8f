/**
 * The scopes benchmark at a tiny size, for its invariants (never its timings): a key per scope, one
 * KMS Decrypt per key version a cold read needs and none warm, on a real PostgreSQL and kms-local.
 */
import { benchScopes, keyChoices, scopesBenchOptionsFromArgs, DEFAULT_SCOPES_BENCH_OPTIONS, type ScopesFigures } from './scopes-bench';
import { printScopesTables } from './scopes-table';

const options = { users: 50, tenants: 5, readRows: 20, rounds: 2, latencyReads: 5, memoryEntries: 30 };

describe('the scopes benchmark at 50 scopes', () => {
  let figures: ScopesFigures;
  beforeAll(async () => {
    figures = await benchScopes(options);
  }, 120_000);

  it('creates one key-store row per scope it writes to, with one GenerateDataKey each', () => {
    expect(figures.choices.map((c) => c.scopes)).toEqual([1, 5, 50]);
    for (const [i, choice] of figures.choices.entries()) {
      expect(choice.keyStore.rows).toBe(choice.scopes);
      expect(choice.keyStore.scopes).toBe(choice.scopes);
      // the application's key is created by the control plane and loaded by the writer (one Decrypt);
      // a scope's key is created by its first write, which keeps the key it made (no Decrypt)
      expect(choice.creationCalls).toEqual({ GenerateDataKey: choice.scopes, Encrypt: 0, Decrypt: i === 0 ? 1 : 0 });
      expect(choice.keyStore.materialBytes).toBeGreaterThan(0);
      expect(choice.keyStore.tableBytes).toBeGreaterThan(choice.keyStore.materialBytes);
    }
  });

  it('makes one KMS Decrypt per distinct scope on a cold read and none on a warm one', () => {
    for (const choice of figures.choices) {
      expect(choice.reads).toHaveLength(options.rounds);
      for (const read of choice.reads) {
        expect(read.coldDecrypts).toBe(read.distinctScopes);
        expect(read.warmDecrypts).toBe(0);
      }
    }
    // one key for all needs one key version; one key per user needs one per user read
    expect(figures.choices[0]!.reads.every((read) => read.distinctScopes === 1)).toBe(true);
    expect(figures.choices[2]!.reads.every((read) => read.distinctScopes === options.readRows)).toBe(true);
  });

  it('counts a single-row read as cold only when it loaded a key version', () => {
    const [oneKey, , perUser] = figures.choices;
    // a fresh reader per round: the first read of one key for all is its only cold one
    expect(oneKey!.coldRowLatency.count).toBe(options.rounds);
    // every user is a scope: each user's first read is cold, its second warm
    expect(perUser!.coldRowLatency.count).toBe(options.rounds * options.latencyReads);
    expect(perUser!.warmRowLatency.count).toBe(options.rounds * options.latencyReads);
  });

  it('loads one key version per entry for the memory figure, one Decrypt each', () => {
    expect(figures.memory.entries).toBe(options.memoryEntries);
    expect(figures.memory.decrypts).toBe(options.memoryEntries);
  });

  it('prints every choice in every table', () => {
    const text = printScopesTables(figures, () => undefined);
    for (const { label } of keyChoices(options)) expect(text.split(label).length - 1).toBe(4);
  });
});

describe('scopesBenchOptionsFromArgs', () => {
  it('reads --scopes and keeps the defaults for the rest', () => {
    expect(scopesBenchOptionsFromArgs(['node', 'bench', '--scopes', '5000'])).toEqual({ ...DEFAULT_SCOPES_BENCH_OPTIONS, users: 5000 });
    expect(scopesBenchOptionsFromArgs(['node', 'bench']).users).toBe(100_000);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => scopesBenchOptionsFromArgs(['node', 'bench', '--scopes', '1e3x'])).toThrow('--scopes needs a positive integer');
    expect(() => scopesBenchOptionsFromArgs(['node', 'bench', '--rounds', '0'])).toThrow(RangeError);
  });
});
