/**
 * BYOK for `keys create | rotate --scope <id> [--kms-key-id <arn>]`: the keyring that alone wraps a
 * scope's new rows is the config's `keyStore.scopeKeyring(scope)`, the same function the application
 * gives `createKeyStore`, because the data plane unwraps a scope's rows ONLY with it (SCOPES.md, "BYOK").
 * A row wrapped by a key the application's configuration does not name for that scope would fail to load,
 * so `--kms-key-id` is a check against the configuration, never a way around it.
 */
import { KmsKeyringNode, type KeyringNode } from '@prisma-kms/field-crypto';
import { CliError } from '../errors';

/**
 * The keyring for the selected scope's new rows: `scopeKeyring(scope)`, or undefined for the store's
 * keyring. With `kmsKeyId`, refuses unless that keyring is exactly that KMS key (and no other).
 *
 * @example
 * ```ts
 * byokKeyring('tenant-a', (s) => (s === 'tenant-a' ? kmsKeyring({ generatorKeyId: arnA }) : undefined), arnA); // the keyring of arnA
 * byokKeyring('tenant-b', sameFunction, arnA); // throws KEY_STORE_REFUSED: tenant-b's rows would be unwrapped with the store's keyring
 * ```
 */
export function byokKeyring(
  scope: string,
  scopeKeyring: ((scope: string) => KeyringNode | undefined) | undefined,
  kmsKeyId: string | undefined,
): KeyringNode | undefined {
  if (scope === '') {
    if (kmsKeyId !== undefined) throw new CliError('USAGE', "--kms-key-id needs --scope: the application's own key is wrapped by the store's keyring");
    return undefined;
  }
  const keyring = scopeKeyring?.(scope);
  if (kmsKeyId === undefined) return keyring;
  if (keyring === undefined) {
    throw new CliError(
      'KEY_STORE_REFUSED',
      `--kms-key-id: the config's keyStore.scopeKeyring gives no keyring for scope ${JSON.stringify(scope)}, so the application would unwrap its rows ` +
        "with the store's keyring and fail: make keyStore.scopeKeyring (the same function as the application's createKeyStore({ scopeKeyring })) " +
        'return kmsKeyring({ generatorKeyId: <that key> }) for this scope',
    );
  }
  const names = keyring instanceof KmsKeyringNode ? [keyring.generatorKeyId, ...(keyring.keyIds ?? [])].filter((id) => id !== undefined) : [];
  if (names.length !== 1 || names[0] !== kmsKeyId) {
    throw new CliError(
      'KEY_STORE_REFUSED',
      `--kms-key-id: the config's keyStore.scopeKeyring(${JSON.stringify(scope)}) is not that KMS key alone ` +
        `(${names.length > 0 ? `it names ${names.join(', ')}` : 'not a KMS keyring'}): the application unwraps this scope's rows with that keyring only, so fix one of the two`,
    );
  }
  return keyring;
}
