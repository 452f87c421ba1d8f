/** The median of `values` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median wall time (ms) of each async operation over `rounds` rounds, after a few warm-up rounds. The
 * operations take turns within each round, so a slow patch of the machine (GC, another process) falls
 * on all of them alike and their ratios stay meaningful.
 */
export async function medianMsInterleaved<K extends string>(
  runs: Record<K, () => Promise<unknown>>,
  rounds: number,
  warmup = 3,
): Promise<Record<K, number>> {
  const names = Object.keys(runs) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of names) {
      const started = process.hrtime.bigint();
      await runs[name]();
      if (round >= warmup) samples[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<K, number>;
}
