/**
 * One row per measured path and the table that prints them with ratios against baselines timed in
 * the same process, so the figures compare across machines.
 */

export interface BenchRow {
  name: string;
  /** Median microseconds per value. */
  encryptUs?: number;
  decryptUs?: number;
  /** Size of one stored value in bytes (binary), for the benchmark's sample plaintext. */
  storedBytes?: number;
  note?: string;
}

/** The rows the ratios divide by, looked up by name in the printed rows. */
export interface Baselines {
  /** Raw AES-256-GCM: the cost of the cipher alone. */
  rawAesGcm?: string;
  /** The primitives an Encryption SDK message cannot avoid, timed bare. */
  primitivesFloor?: string;
  /** @47ng/cloak, the cipher of prisma-field-encryption. */
  cloak?: string;
}

/**
 * Prints the rows as a fixed-width table: µs per value, ratios (encrypt/decrypt) against each
 * baseline present, stored size, note. Returns the text as well, for READMEs and logs.
 *
 * @example
 * printTable(await benchCodec(), { rawAesGcm: 'raw AES-256-GCM', primitivesFloor: 'primitives floor', cloak: '@47ng/cloak' });
 */
export function printTable(rows: readonly BenchRow[], baselines: Baselines, write: (text: string) => void = console.log): string {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const ratioColumns = (
    [
      ['x raw GCM', baselines.rawAesGcm],
      ['x floor', baselines.primitivesFloor],
      ['x cloak', baselines.cloak],
    ] as const
  ).flatMap(([title, name]) => {
    const base = name === undefined ? undefined : byName.get(name);
    return base ? [{ title, base }] : [];
  });

  const header = ['path', 'enc µs', 'dec µs', ...ratioColumns.map((c) => `${c.title} (enc/dec)`), 'stored', 'note'];
  const body = rows.map((row) => [
    row.name,
    formatUs(row.encryptUs),
    formatUs(row.decryptUs),
    ...ratioColumns.map(({ base }) => `${formatRatio(row.encryptUs, base.encryptUs)} / ${formatRatio(row.decryptUs, base.decryptUs)}`),
    row.storedBytes === undefined ? '-' : `${row.storedBytes} B`,
    row.note ?? '',
  ]);
  const text = fixedWidthTable(header, body);
  write(text);
  return text;
}

/**
 * Lays out a header and rows in aligned columns under a rule: the first and last columns left-aligned
 * (names, notes), the ones between right-aligned (figures).
 *
 * @example
 * fixedWidthTable(['path', 'ms'], [['plain', '6.1']]);
 */
export function fixedWidthTable(header: readonly string[], body: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function formatUs(us: number | undefined): string {
  if (us === undefined) return '-';
  return us >= 100 ? us.toFixed(0) : us.toFixed(1);
}

function formatRatio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || base === 0) return '-';
  return `${value / base >= 10 ? (value / base).toFixed(0) : (value / base).toFixed(2)}x`;
}
