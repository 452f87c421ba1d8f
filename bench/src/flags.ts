/** Command-line options of the benchmark scripts: `--name N`. */

/**
 * The positive integer after `--name` in `argv`, or `fallback` when the option is absent. A value that
 * is not a positive safe integer is refused (a typo must not silently run the default size).
 *
 * @example
 * const scopes = positiveIntegerFlag('scopes', 100_000); // `--scopes 5000` -> 5000
 */
export function positiveIntegerFlag(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const text = argv[i + 1];
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`--${name} needs a positive integer, got ${JSON.stringify(text ?? null)}`);
  }
  return value;
}

/**
 * The comma-separated positive numbers after `--name` in `argv`, in order, or `fallback` when the
 * option is absent; anything else is refused, as {@link positiveIntegerFlag} does.
 *
 * @example
 * const budgets = positiveNumberListFlag('budgets', [8]); // `--budgets 8,4,2,1` -> [8, 4, 2, 1]
 */
export function positiveNumberListFlag(name: string, fallback: readonly number[], argv: readonly string[] = process.argv): number[] {
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return [...fallback];
  const text = argv[i + 1];
  const values = (text ?? '').split(',').map(Number);
  if (text === undefined || values.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new RangeError(`--${name} needs comma-separated positive numbers, got ${JSON.stringify(text ?? null)}`);
  }
  return values;
}
