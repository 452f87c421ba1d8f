/**
 * Query arguments and results as plain data: plain objects and arrays are walked and copied; every
 * other object (Date, Decimal, Buffer, Prisma's null types and `skip`) is a leaf kept by reference,
 * because Prisma recognises those by identity or class.
 */

/** A path into arguments or a result: object keys and array indexes. */
export type Path = readonly (string | number)[];

/** A plain object (a query node), as opposed to a Date, Decimal, Buffer or other class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Copies plain objects and arrays at every depth; leaves are shared. A `__proto__` key is defined, never
 * assigned (the one key whose assignment sets the prototype): an own `__proto__` key (from `JSON.parse`)
 * stays an own key and never becomes the copy's prototype.
 */
export function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copyPlain(value[key]), enumerable: true, writable: true, configurable: true });
    else copy[key] = copyPlain(value[key]);
  }
  return copy as T;
}

/** Replaces the value at `path` inside `root` (which must contain every step but the last). */
export function setAtPath(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i]!] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}
