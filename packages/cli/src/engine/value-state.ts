/**
 * What a stored value is, decided by parsing its header (never by guessing from characters): null,
 * plaintext, ciphertext whose data key the current generator key wraps, ciphertext under other keys
 * only, or a damaged message (malformed), which is never taken for plaintext.
 */
import type { StoredValue, WrappingKeyRef } from '@prisma-kms/field-crypto';

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
  | { readonly kind: 'malformed'; readonly reason: string };

/** A value's state. */
export type ClassifyValue = (value: string | null) => ValueState;

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
