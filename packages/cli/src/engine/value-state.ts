/**
 * What a stored value is, decided by parsing its header (never by guessing from characters): null,
 * plaintext, ciphertext whose data key the current generator key wraps, ciphertext under other keys
 * only, or a damaged message (malformed), which is never taken for plaintext.
 */
import type { StoredValue, WrappingKeyRef } from '@prisma-kms/field-crypto';
import type { ScopeKeyIndex } from './scope-keys';

/** The failure code reported for a malformed value (with field-crypto's `reason`). */
export const MALFORMED_FAILURE = 'MALFORMED';

/** The state of one stored value. */
export type ValueState =
  | { readonly kind: 'null' }
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'current' }
  | { readonly kind: 'other-key'; readonly wrappingKeys: readonly string[] }
  /**
   * Starts like an Encryption SDK message but does not parse (truncated, corrupt). Every command leaves
   * it as it is and reports it: encrypting it again would bury the original for good.
   */
  | { readonly kind: 'malformed'; readonly reason: string }
  /** Scoped runs: a compact value under a shredded key version. Nothing can read it again; no command touches it. */
  | { readonly kind: 'shredded'; readonly scope: string }
  /** Request-scoped runs (`--scope`): a value of another scope, which belongs to other requests: left alone. */
  | { readonly kind: 'other-scope' };

/**
 * A value's state; `scope` is the key scope of the value's row (scoped runs only: the unscoped
 * classifier ignores it).
 */
export type ClassifyValue = (value: string | null, scope?: string) => ValueState;

/**
 * Builds the classifier for one run from the cipher's header parser and its current generator key.
 * A value is "current" when any of its encrypted data keys is wrapped by that key.
 *
 * @example
 * ```ts
 * const classify = valueClassifier((v) => cipher.inspect(v), await cipher.currentWrappingKey());
 * classify('Ada'); // { kind: 'plaintext' }
 * ```
 */
export function valueClassifier(inspect: (value: string) => StoredValue, currentKey: WrappingKeyRef | null): ClassifyValue {
  const current = currentKey ? wrappingKeyLabel(currentKey) : undefined;
  return (value) => {
    if (value === null) return NULL_STATE;
    const stored = inspect(value);
    if (stored.kind === 'plaintext') return PLAINTEXT_STATE;
    if (stored.kind === 'malformed') return { kind: 'malformed', reason: stored.reason };
    const keys = stored.wrappingKeys.map(wrappingKeyLabel);
    if (current !== undefined && keys.includes(current)) return CURRENT_STATE;
    return { kind: 'other-key', wrappingKeys: keys };
  };
}

const NULL_STATE: ValueState = Object.freeze({ kind: 'null' });
const PLAINTEXT_STATE: ValueState = Object.freeze({ kind: 'plaintext' });
const CURRENT_STATE: ValueState = Object.freeze({ kind: 'current' });

/**
 * A wrapping key as one line of text, to compare keys and to name them in `status`:
 * `aws-kms:arn:aws:kms:...` or `<namespace>:<key name>` for a local key.
 */
export function wrappingKeyLabel(ref: WrappingKeyRef): string {
  return `${ref.providerId}:${ref.keyId}`;
}

/**
 * How a scoped run treats a value of another scope: `move` (rows with a scope column: the row's own
 * scope is the truth, so a value under any other scope's key is re-encrypted into it) or `leave`
 * (request-scoped models with `--scope`: only application-key values and this scope's older versions
 * are taken; other scopes' values belong to other requests).
 */
export type ForeignScopeValues = 'move' | 'leave';

/**
 * The classifier of a scoped run: a value is `current` only when it is compact and under the current
 * field key version of its row's scope; under another scope's key, an older version of its scope, the
 * application key or a standalone message, it is `other-key` (what `rotate` re-encrypts); under a
 * shredded key version, `shredded`. `keys` is read on every call, so the engine can refresh it.
 *
 * @example
 * ```ts
 * const classify = scopedValueClassifier((v) => cipher.inspect(v), () => keys, 'move');
 * classify(stored, 'tenant-a'); // { kind: 'current' } when stored names tenant-a's current key version
 * ```
 */
export function scopedValueClassifier(
  inspect: (value: string) => StoredValue,
  keys: () => ScopeKeyIndex,
  foreign: ForeignScopeValues,
): ClassifyValue {
  return (value, scope) => {
    if (value === null) return NULL_STATE;
    const stored = inspect(value);
    if (stored.kind === 'plaintext') return PLAINTEXT_STATE;
    if (stored.kind === 'malformed') return { kind: 'malformed', reason: stored.reason };
    // built only for a value that is under another key (most values of a finished run are current)
    const otherKey = (): ValueState => ({ kind: 'other-key', wrappingKeys: stored.wrappingKeys.map(wrappingKeyLabel) });
    // a standalone message is never a scope's value (scoped values are always compact)
    if (stored.kind !== 'compact' || scope === undefined) return otherKey();
    const index = keys();
    const facts = index.keyVersion(stored.keyVersionId);
    // unknown to the store: rotate tries it and reports the cipher's typed error
    if (!facts) return otherKey();
    if (facts.status === 'shredded') return { kind: 'shredded', scope: facts.scope };
    if (facts.scope !== scope) return foreign === 'leave' && facts.scope !== '' ? OTHER_SCOPE_STATE : otherKey();
    return index.currentId(scope) === stored.keyVersionId ? CURRENT_STATE : otherKey();
  };
}

const OTHER_SCOPE_STATE: ValueState = Object.freeze({ kind: 'other-scope' });
