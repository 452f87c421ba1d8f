/** The findMany figures as a fixed-width table with ratios against the peer and the plain query. */
import { type FindManyFigures } from './find-many-bench';
import { fixedWidthTable } from './table';

/**
 * Prints one line per path: median ms, interquartile range, x the peer, x the plain query over the
 * same rows, stored characters of a 9-byte value; then, for each path that has one, how much its
 * walk and bookkeeping add over its own crypto. Returns the text as well.
 *
 * @example
 * printFindManyTable(await benchFindMany());
 */
export function printFindManyTable(figures: FindManyFigures, write: (text: string) => void = console.log): string {
  const byLabel = new Map(figures.paths.map((path) => [path.label, path]));
  const medianOf = (label: string | undefined): number | undefined => (label === undefined ? undefined : byLabel.get(label)?.timing.median);
  const peer = medianOf(figures.peerLabel);

  const header = ['path', 'median ms', 'p25-p75 ms', 'x peer', 'x plain', 'stored (9 B value)'];
  const body = figures.paths.map(({ label, timing, plainLabel, storedChars }) => [
    label,
    timing.median.toFixed(1),
    `${timing.p25.toFixed(1)}-${timing.p75.toFixed(1)}`,
    formatRatio(timing.median, label === figures.peerLabel || plainLabel === undefined ? undefined : peer),
    formatRatio(timing.median, medianOf(plainLabel)),
    storedChars === undefined ? '' : `${storedChars} chars`,
  ]);
  const overheads = figures.paths.flatMap(({ label, timing, plainLabel, cryptoLabel }) => {
    const plain = medianOf(plainLabel);
    const crypto = medianOf(cryptoLabel);
    if (plain === undefined || crypto === undefined) return [];
    return [`${label}: walk + bookkeeping add ${(((timing.median - plain - crypto) / crypto) * 100).toFixed(0)}% over its crypto`];
  });
  const text = [fixedWidthTable(header, body), ...overheads].join('\n');
  write(text);
  return text;
}

function formatRatio(value: number, base: number | undefined): string {
  return base === undefined || base === 0 ? '' : `${(value / base).toFixed(2)}x`;
}
