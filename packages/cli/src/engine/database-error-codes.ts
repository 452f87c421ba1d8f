/**
 * The codes a database error carries, wherever the driver, the driver adapter and Prisma put them, to
 * tell a transient error or a unique violation from anything else. Messages are not returned (they
 * may quote values), except a short prefix of the few driver messages that are the only sign.
 */

/** Every code, kind and error name along the error's cause chain and Prisma's `meta` (never messages: they may quote values). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 6) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const name of ['code', 'originalCode', 'kind', 'errno', 'name']) {
      const part = record[name];
      if (typeof part === 'string' || typeof part === 'number') codes.push(String(part));
    }
    // a driver's own message can be the only sign ("database is locked"): kept only to match, never shown
    if (value instanceof Error && /database is locked|Connection terminated|connection closed|socket hang up|encountered a connection error|UNIQUE constraint failed/i.test(value.message)) codes.push(value.message.slice(0, 40));
    for (const name of ['cause', 'meta', 'driverAdapterError', 'originalError']) visit(record[name], depth + 1);
  };
  visit(error, 0);
  return codes;
}
