import type { KeyringNode } from '@prisma-kms/field-crypto';
import type { PrismaKmsConfig } from '../config/define-config';
import { provide } from '../config/load-config';
import { CliError } from '../errors';

/** The config's `keyring`, which the `keys` commands encrypt index keys with; a CONFIG_INVALID error naming `command` when it has none. */
export async function configKeyring(config: PrismaKmsConfig, command: string): Promise<KeyringNode> {
  if (!config.keyring) {
    throw new CliError(
      'CONFIG_INVALID',
      `${command} needs the config's keyring (the KeyringNode the application's cipher uses): add \`keyring\` to defineConfig`,
    );
  }
  return provide<KeyringNode>(config.keyring, 'keyring');
}
