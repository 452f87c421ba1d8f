/**
 * Bounded staleness of a scope's key status. A process keeps a scope's unwrapped key versions for the
 * cache TTL (minutes), but a shred or a retire must reach it sooner: every cached thing of a scope carries
 * the time its key rows were last seen active, and a use older than the status interval first re-reads the
 * scope's rows (one storage read shared by every caller of that scope, never a keyring call). What is no
 * longer active is dropped (zeroed), and the caller goes through the cache again: a reload then meets the
 * row's tombstone (KEY_SCOPE_SHREDDED) or its retired status, with one storage read and no KMS call.
 *
 * A status read only ever takes keys away; it never loads or unwraps one. So a database writer who plants a
 * tombstone gets a denial of service (as with any tombstone), and one who flips a tombstone back to active
 * gets nothing: the row's material is gone (a row with status active and no material is refused), and a
 * version the process already dropped is only ever reloaded through the keyring.
 */
import { checkRow, type KeyRow } from './key-row';
import { KeyStoreError, KeyStoreErrorReason } from './errors';

/** A cached entry of a scope (a key version, the pointer to the one written with, an indexer) and when its rows were last seen active. */
export interface StatusStamped {
  /** Clock time of the storage read (load or status read) that last found this entry's key rows active. */
  seenActiveAt: number;
}

/**
 * What one read of a scope's rows (`scopeRows`) says of each: `active`, the ids of the rows that are active
 * and well formed (they vouch for the cached entries made from them); `inactive`, the other ids (retired,
 * shredded, or malformed: their cached entries are dropped). A row of another store or scope means the
 * storage answered for the wrong scope: KEY_ROW_MISMATCH, and nothing is vouched for. Pure.
 *
 * @example
 * ```ts
 * const { active, inactive } = scopeStatusOf(await storage.scopeRows!('app', 'tenant-42'), 'app', 'tenant-42');
 * ```
 */
export function scopeStatusOf(rows: readonly KeyRow[], keyStore: string, scope: string): { active: Set<number>; inactive: number[] } {
  const active = new Set<number>();
  const inactive: number[] = [];
  for (const row of rows) {
    if (row?.keyStore !== keyStore || row.scope !== scope) {
      throw new KeyStoreError(KeyStoreErrorReason.KEY_ROW_MISMATCH, 'the storage returned a row of another scope', { scope });
    }
    if (row.status === 'active' && isWellFormed(row)) active.add(row.id);
    else inactive.push(row.id);
  }
  return { active, inactive };
}

/** A row that fails the shape check (e.g. status flipped back to active on an emptied tombstone) vouches for nothing. */
function isWellFormed(row: KeyRow): boolean {
  try {
    checkRow(row);
    return true;
  } catch {
    return false;
  }
}

/**
 * The status interval and the single-flight status reads of scopes.
 *
 * @example
 * ```ts
 * const checks = new ScopeStatusChecks(30_000, Date.now, (scope) => refreshScope(scope));
 * if (!checks.isFresh(entry)) await checks.check('tenant-42');
 * ```
 */
export class ScopeStatusChecks {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #read: (scope: string) => Promise<number>;
  readonly #pending = new Map<string, Promise<number>>();

  /** `read(scope)` reads the scope's status, applies it to the caches and returns the clock time it read at. */
  constructor(intervalMs: number, now: () => number, read: (scope: string) => Promise<number>) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#read = read;
  }

  /** Whether `entry` may be used without a status read: its rows were seen active less than the interval ago. One clock read. */
  isFresh(entry: StatusStamped): boolean {
    return this.#now() - entry.seenActiveAt < this.#intervalMs;
  }

  /**
   * Reads the scope's status, or joins the read in flight for it; resolves to the clock time of that read.
   * An entry whose `seenActiveAt` is older than it was not found active by it. A failed read is not
   * remembered: the next use tries again.
   */
  check(scope: string): Promise<number> {
    let pending = this.#pending.get(scope);
    if (!pending) {
      pending = this.#read(scope).finally(() => this.#pending.delete(scope));
      this.#pending.set(scope, pending);
    }
    return pending;
  }
}
