/**
 * Alias resolution for the KMS keyring. Why this exists: the Encryption SDK's KMS keyring records the
 * key ARN that KMS answers with in every encrypted data key, and on decrypt it only tries data keys
 * whose ARN is literally one of its configured identifiers. A keyring configured with `alias/app-data`
 * (or a bare key id) therefore writes values it can never read back. We resolve every identifier that
 * is not a key ARN to its key ARN with DescribeKey, once, at the keyring's first use, and run the SDK's
 * keyring on the ARNs.
 */
import { KmsKeyringNode, type EncryptedDataKey, type NodeDecryptionMaterial, type NodeEncryptionMaterial } from '@aws-crypto/client-node';
import type { KmsNodeClientSupplier } from '@aws-crypto/client-node';
import { ConfigurationError } from '../errors';

/** `arn:<partition>:kms:<region>:<account>:key/<key id>`: the only form the SDK matches on decrypt. */
const KEY_ARN = /^arn:[a-z0-9-]+:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;
/** `arn:<partition>:kms:<region>:<account>:alias/<name>` */
const ALIAS_ARN = /^arn:[a-z0-9-]+:kms:([a-z0-9-]+):[0-9]{12}:alias\/.+$/;

/** True when `identifier` is a full key ARN, which needs no resolution. Pure. */
export function isKmsKeyArn(identifier: string): boolean {
  return KEY_ARN.test(identifier);
}

/** The Region a key identifier names (an alias ARN names one; `alias/x` and bare key ids do not). Pure. */
export function regionOfKeyIdentifier(identifier: string): string {
  return ALIAS_ARN.exec(identifier)?.[1] ?? '';
}

/** The SDK keyring's constructor input, with the identifiers as the user gave them. */
export interface KmsKeyringInput {
  readonly clientProvider: KmsNodeClientSupplier;
  readonly generatorKeyId?: string;
  readonly keyIds?: string[];
  readonly grantTokens?: string[];
}

/**
 * A KMS keyring whose generator or key ids include an alias (or an alias ARN, or a bare key id). It is a
 * `KmsKeyringNode` (so `instanceof` and the SDK accept it) whose `generatorKeyId`/`keyIds` are the
 * identifiers as given; the work is done by an inner `KmsKeyringNode` built on the key ARNs, which are
 * looked up with DescribeKey at the first encrypt or decrypt. Concurrent first uses share one lookup;
 * a failed lookup is not kept, so the next use asks KMS again. An alias that is later pointed at another
 * key is not followed until the process restarts (as with any value read at start-up).
 */
export class AliasResolvingKmsKeyring extends KmsKeyringNode {
  #resolved: Promise<KmsKeyringNode> | undefined;
  readonly #input: KmsKeyringInput;

  constructor(input: KmsKeyringInput) {
    super({ ...input });
    this.#input = input;
  }

  override async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    return (await this.#keyring()).onEncrypt(material);
  }

  override async _onDecrypt(material: NodeDecryptionMaterial, encryptedDataKeys: EncryptedDataKey[]): Promise<NodeDecryptionMaterial> {
    return (await this.#keyring()).onDecrypt(material, encryptedDataKeys);
  }

  #keyring(): Promise<KmsKeyringNode> {
    if (this.#resolved === undefined) {
      this.#resolved = resolveKeyring(this.#input);
      this.#resolved.catch(() => {
        this.#resolved = undefined;
      });
    }
    return this.#resolved;
  }
}

async function resolveKeyring(input: KmsKeyringInput): Promise<KmsKeyringNode> {
  const resolve = (identifier: string) => resolveKeyArn(input.clientProvider, identifier, input.grantTokens);
  const [generatorKeyId, ...keyIds] = await Promise.all([
    input.generatorKeyId === undefined ? undefined : resolve(input.generatorKeyId),
    ...(input.keyIds ?? []).map(resolve),
  ]);
  return new KmsKeyringNode({ clientProvider: input.clientProvider, generatorKeyId, keyIds: keyIds as string[], grantTokens: input.grantTokens });
}

async function resolveKeyArn(clientProvider: KmsNodeClientSupplier, identifier: string, grantTokens: string[] | undefined): Promise<string> {
  if (isKmsKeyArn(identifier)) return identifier;
  const client = clientProvider(regionOfKeyIdentifier(identifier)) as { describeKey?: unknown } | false;
  if (!client || typeof client.describeKey !== 'function') {
    throw new ConfigurationError(
      `the KMS client has no describeKey, so the key identifier ${identifier} cannot be resolved to its key ARN: pass the key ARN, or a clientProvider whose clients are the aggregated KMS class`,
    );
  }
  const describeKey = client.describeKey as (input: { KeyId: string; GrantTokens?: string[] }) => Promise<{ KeyMetadata?: { Arn?: string } }>;
  const { KeyMetadata } = await describeKey.call(client, { KeyId: identifier, GrantTokens: grantTokens });
  const arn = KeyMetadata?.Arn;
  if (arn === undefined || !isKmsKeyArn(arn)) {
    throw new ConfigurationError(`KMS DescribeKey of ${identifier} did not answer with a key ARN`);
  }
  return arn;
}
