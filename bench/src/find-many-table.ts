/** The findMany figures as a fixed-width table with ratios against the peer and the plain query. */
import { type FindManyFigures } from './find-many-bench';
import { fixedWidthTable } from './table';
import { median, pairedRatio, quantile, type Timing } from './timing';

/**
 * Prints one line per path: median ms, interquartile range, x the peer, x the plain query over the
 * same rows (both ratios paired per round, see {@link pairedRatio}), stored characters of a 9-byte
 * value; then, for each path that has one, how much its walk and bookkeeping add over its own crypto
 * (paired per round as well), and the interquartile range of each path's per-round ratio to the peer.
 * Returns the text as well.
 *
 * @example
 * printFindManyTable(await benchFindMany());
 */
export function printFindManyTable(figures: FindManyFigures, write: (text: string) => void = console.log): string {
  const byLabel = new Map(figures.paths.map((path) => [path.label, path]));
  const timingOf = (label: string | undefined): Timing | undefined => (label === undefined ? undefined : byLabel.get(label)?.timing);
  const peer = timingOf(figures.peerLabel);

  const header = ['path', 'median ms', 'p25-p75 ms', 'x peer', 'x plain', 'stored (9 B value)'];
  const body = figures.paths.map(({ label, timing, plainLabel, storedChars }) => [
    label,
    timing.median.toFixed(1),
    `${timing.p25.toFixed(1)}-${timing.p75.toFixed(1)}`,
    formatRatio(timing, label === figures.peerLabel || plainLabel === undefined ? undefined : peer),
    formatRatio(timing, timingOf(plainLabel)),
    storedChars === undefined ? '' : `${storedChars} chars`,
  ]);
  const overheads = figures.paths.flatMap(({ label, timing, plainLabel, cryptoLabel }) => {
    const plain = timingOf(plainLabel);
    const crypto = timingOf(cryptoLabel);
    if (plain === undefined || crypto === undefined) return [];
    const overhead = median(
      timing.samples.map((ms, round) => {
        const cryptoMs = crypto.samples[round] as number;
        return (ms - (plain.samples[round] as number) - cryptoMs) / cryptoMs;
      }),
    );
    return [`${label}: walk + bookkeeping add ${Math.round(overhead * 100) || 0}% over its crypto`]; // `|| 0`: no "-0%"
  });
  // The spread of the per-round quotients behind "x peer": one run's median alone hides how much it moves.
  const spreads = figures.paths.flatMap(({ label, timing, plainLabel }) => {
    if (peer === undefined || label === figures.peerLabel || plainLabel === undefined) return [];
    const ratios = timing.samples.map((ms, round) => ms / (peer.samples[round] as number));
    return [`${label}: x peer per round, p25-p75 ${quantile(ratios, 0.25).toFixed(2)}-${quantile(ratios, 0.75).toFixed(2)}x over ${ratios.length} rounds`];
  });
  const text = [fixedWidthTable(header, body), ...overheads, ...spreads].join('\n');
  write(text);
  return text;
}

function formatRatio(timing: Timing, base: Timing | undefined): string {
  return base === undefined ? '' : `${pairedRatio(timing, base).toFixed(2)}x`;
}
