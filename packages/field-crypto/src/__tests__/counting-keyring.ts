import {
  KeyringNode,
  type EncryptedDataKey,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/client-node';

/**
 * Test support: a real keyring (usually a RawAesKeyringNode) behind a counter, with an optional gate that
 * holds every call until the test opens it, and an optional failure. Not a mock: the inner keyring does
 * the real work.
 */
export class CountingKeyring extends KeyringNode {
  generateCalls = 0;
  decryptCalls = 0;
  failWith: Error | undefined;
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;

  constructor(private readonly inner: KeyringNode) {
    super();
  }

  /** Holds every keyring call until {@link open} is called. */
  close(): void {
    this.#gate = new Promise((resolve) => (this.#openGate = resolve));
  }

  open(): void {
    this.#openGate?.();
    this.#gate = undefined;
  }

  override async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    this.generateCalls += 1;
    await this.#gate;
    if (this.failWith) throw this.failWith;
    return this.inner.onEncrypt(material);
  }

  override async _onDecrypt(material: NodeDecryptionMaterial, edks: EncryptedDataKey[]): Promise<NodeDecryptionMaterial> {
    this.decryptCalls += 1;
    await this.#gate;
    if (this.failWith) throw this.failWith;
    return this.inner.onDecrypt(material, edks);
  }
}
