import type { KeyStoreStorage } from '../key-store';

/**
 * Test support: a real storage (usually memoryKeyStorage) that counts the reads the data plane makes
 * (get, latestActive, versions), and can hold every insert until `inserts` of them are waiting (so two
 * key stores racing for a scope's first key version both get past their reads before either inserts).
 * Not a mock: the inner storage does the work.
 */
export function countingStorage(storage: KeyStoreStorage, options: { holdInsertsUntil?: number } = {}): KeyStoreStorage & { reads: number } {
  let waiting: Array<() => void> = [];
  let held = 0;
  const counted = {
    reads: 0,
    get: (s: string, id: number) => ((counted.reads += 1), storage.get(s, id)),
    latestActive: (...a: Parameters<KeyStoreStorage['latestActive']>) => ((counted.reads += 1), storage.latestActive(...a)),
    versions: (...a: Parameters<NonNullable<KeyStoreStorage['versions']>>) => ((counted.reads += 1), storage.versions!(...a)),
    list: storage.list,
    insert: async (row: Parameters<KeyStoreStorage['insert']>[0]) => {
      if (options.holdInsertsUntil !== undefined && held < options.holdInsertsUntil) {
        held += 1;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === options.holdInsertsUntil) {
            for (const release of waiting) release();
            waiting = [];
          }
        });
      }
      return storage.insert(row);
    },
    setStatus: storage.setStatus,
    shred: storage.shred,
    scopeRows: storage.scopeRows,
    replaceMaterial: storage.replaceMaterial,
  };
  return counted;
}
