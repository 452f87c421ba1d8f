/**
 * What a stored value is, decided by parsing its header (never by guessing from characters): null,
 * plaintext, ciphertext whose data key the current generator key wraps, or ciphertext under other
 * keys only.
 */
import type { StoredValue, WrappingKeyRef } from '@prisma-kms/field-crypto';

/** The state of one stored value. */
export type ValueState =
  | { readonly kind: 'null' }
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'current' }
  | { readonly kind: 'other-key'; readonly wrappingKeys: readonly string[] };

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
    if (stored.kind !== 'ciphertext') return PLAINTEXT_STATE;
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
