/**
 * A SQL text with its parameters, built by the dialects and run through the user's Prisma client.
 */

/** A statement ready for `$queryRawUnsafe(sql, ...params)`. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Collects parameters while a statement is built; `add` returns the placeholder to write. */
export class ParamList {
  readonly values: unknown[] = [];

  constructor(private readonly style: 'dollar' | 'question') {}

  add(value: unknown): string {
    this.values.push(value);
    return this.style === 'dollar' ? `$${this.values.length}` : '?';
  }
}

/** Quotes an identifier with `quote` characters, doubling any inside it. */
export function quoteWith(quote: '"' | '`', identifier: string): string {
  return `${quote}${identifier.split(quote).join(quote + quote)}${quote}`;
}
