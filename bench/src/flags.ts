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
