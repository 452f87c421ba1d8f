import {
  KeyringNode,
  MultiKeyringNode,
  type EncryptedDataKey,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/client-node';
import { ConfigurationError } from '../errors';

/** Options of {@link rotationKeyring}. */
export interface RotationKeyringOptions {
  /** Generates and wraps every new data key. */
  readonly current: KeyringNode;
  /** Keys being retired: they unwrap existing values, and never wrap a new data key. */
  readonly previous: readonly KeyringNode[];
}

/**
 * A keyring for moving to a new wrapping key: new data keys are generated and wrapped by `current`
 * alone, while values written under a `previous` key still decrypt. Once `prisma-kms rotate` has
 * re-encrypted every value (`prisma-kms status` shows none left under the old key), drop it.
 *
 * A multi-keyring would not do: its children wrap every new data key too, so the old key could
 * never be retired. And a KMS keyring's `keyIds` likewise wrap every new data key.
 *
 * @example
 * ```ts
 * const keyring = rotationKeyring({
 *   current: kmsKeyring({ generatorKeyId: 'alias/app-data-2026' }),
 *   previous: [kmsKeyring({ keyIds: [oldKeyArn] })],
 * });
 * ```
 */
export function rotationKeyring(options: RotationKeyringOptions): KeyringNode {
  if (!(options.current instanceof KeyringNode)) {
    throw new ConfigurationError('rotationKeyring needs a `current` keyring to wrap new data keys');
  }
  if (!Array.isArray(options.previous) || !options.previous.every((keyring) => keyring instanceof KeyringNode)) {
    throw new ConfigurationError('rotationKeyring `previous` must be a list of keyrings');
  }
  return new RotationKeyringNode(options.current, options.previous);
}

class RotationKeyringNode extends KeyringNode {
  // The SDK's multi-keyring already tries each keyring in turn on decrypt and keeps the first
  // unwrapped data key; only its encrypt side (every child wraps) is wrong for rotation.
  private readonly decryptors: MultiKeyringNode;

  constructor(
    /** Read by the cipher to name the current wrapping key without a call (configured-wrapping-key). */
    readonly current: KeyringNode,
    previous: readonly KeyringNode[],
  ) {
    super();
    this.decryptors = new MultiKeyringNode({ children: [current, ...previous] });
    Object.freeze(this);
  }

  override _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    return this.current.onEncrypt(material);
  }

  override _onDecrypt(material: NodeDecryptionMaterial, encryptedDataKeys: EncryptedDataKey[]): Promise<NodeDecryptionMaterial> {
    return this.decryptors.onDecrypt(material, encryptedDataKeys);
  }
}
