/** The median of `values` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The `q` quantile (0..1) of `values`, interpolating linearly between neighbours; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low);
}

/** Median and interquartile range (ms) of one operation's rounds, and the rounds themselves in order. */
export interface Timing {
  median: number;
  p25: number;
  p75: number;
  /** One per round, in round order: round i of every operation ran back to back. */
  samples: number[];
}

/**
 * The median over rounds of `timing`'s time divided by `base`'s in the same round. Both ran back to
 * back in each round, so a slow patch of a shared machine cancels out of each quotient, where the
 * quotient of two medians would mix rounds run under different loads.
 *
 * @example
 * pairedRatio(timings.extension, timings.peer); // 0.6: the extension takes 60% of the peer's time
 */
export function pairedRatio(timing: Timing, base: Timing): number {
  return median(timing.samples.map((sample, round) => sample / (base.samples[round] as number)));
}

/**
 * Wall time (ms) of each async operation over `rounds` rounds, after a few warm-up rounds: median and
 * interquartile range. The operations take turns within each round, so a slow patch of the machine
 * (GC, another process) falls on all of them alike and their ratios stay meaningful.
 */
export async function timeInterleaved<K extends string>(
  runs: Record<K, () => Promise<unknown>>,
  rounds: number,
  warmup = 3,
): Promise<Record<K, Timing>> {
  const names = Object.keys(runs) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    for (const name of names) {
      const started = process.hrtime.bigint();
      await runs[name]();
      if (round >= warmup) samples[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return Object.fromEntries(names.map((name) => [name, timingOf(samples[name])])) as Record<K, Timing>;
}

/** The median and quartiles of `samples` (ms), which it keeps. */
export function timingOf(samples: number[]): Timing {
  return { median: median(samples), p25: quantile(samples, 0.25), p75: quantile(samples, 0.75), samples };
}
