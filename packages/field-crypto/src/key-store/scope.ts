/**
 * Key scopes: the tenant, organisation or user whose own key versions encrypt a value. A scope is a
 * non-empty string of at most {@link MAX_SCOPE_LENGTH} characters without control characters; the
 * application's own key is the empty scope `''`. The scope is bound into every row's encryption
 * context, so it must survive a UTF-8 round trip unchanged (no lone surrogates).
 */
import { KeyringNode } from '@aws-crypto/client-node';
import { KeyStoreError, KeyStoreErrorReason } from './errors';

/** The application's own key: what a value without a scope is written with. */
export const APPLICATION_SCOPE = '';
/** The longest scope, in characters (code points). */
export const MAX_SCOPE_LENGTH = 255;

// C0, DEL and C1 controls: they would corrupt an audit line or a terminal. (A regex would need a lint exception.)
const isControl = (code: number) => code <= 0x1f || (code >= 0x7f && code <= 0x9f);
// In a `u` regex, a surrogate matches only when unpaired; UTF-8 cannot carry it (it would become U+FFFD).
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** What is wrong with `scope` as a (non-application) scope, or undefined when it is a valid one. Pure. */
export function scopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== 'string') return 'must be a string';
  if (scope === '') return 'must not be empty (the empty scope is the application key)';
  if (scope.length > MAX_SCOPE_LENGTH && [...scope].length > MAX_SCOPE_LENGTH) return `must be at most ${MAX_SCOPE_LENGTH} characters long`;
  for (let i = 0; i < scope.length; i += 1) if (isControl(scope.charCodeAt(i))) return 'must not contain control characters';
  if (LONE_SURROGATE.test(scope)) return 'must be well-formed Unicode (a lone surrogate cannot be stored)';
  return undefined;
}

/**
 * `scope` when it is the application scope (`''`, or absent when `allowApplication`) or a valid scope;
 * otherwise an INVALID_SCOPE KeyStoreError saying what is wrong (never echoing the string itself).
 */
export function checkScope(scope: unknown, { allowApplication }: { readonly allowApplication: boolean }): string {
  if (allowApplication && (scope === undefined || scope === APPLICATION_SCOPE)) return APPLICATION_SCOPE;
  const problem = scopeProblem(scope);
  if (problem) throw new KeyStoreError(KeyStoreErrorReason.INVALID_SCOPE, `invalid key scope: it ${problem}`);
  return scope as string;
}

/**
 * The keyring of a scope's rows: `scopeKeyring(scope)` when it returns one, else the store's. The
 * application's key (`''`) is always the store's. Shared by the data plane and the control plane.
 */
export function keyringOfScope(keyring: KeyringNode, scopeKeyring: ((scope: string) => KeyringNode | undefined) | undefined, scope: string): KeyringNode {
  if (scope === APPLICATION_SCOPE || !scopeKeyring) return keyring;
  let own: unknown;
  try {
    own = scopeKeyring(scope);
  } catch (e) {
    throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'scopeKeyring failed for this scope', { scope, cause: e });
  }
  if (own === undefined) return keyring;
  if (!(own instanceof KeyringNode)) throw new KeyStoreError(KeyStoreErrorReason.INVALID_INPUT, 'scopeKeyring must return a KeyringNode or undefined', { scope });
  return own;
}
