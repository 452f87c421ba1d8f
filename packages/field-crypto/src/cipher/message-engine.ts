/**
 * The one place that decides how a message is written and read: by the fast synchronous codec
 * (`../codec`) when it can handle the message, else by the SDK's own `encrypt`/`decrypt` (streams,
 * async, about 30x slower, but complete: signed suites, several frames, v1). Everything else in the
 * cipher is the same for both paths.
 */
import {
  buildClient,
  CommitmentPolicy,
  unwrapDataKey,
  type NodeAlgorithmSuite,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
  type NodeMaterialsManager,
  type EncryptionContext,
} from '@aws-crypto/client-node';
import {
  canDecodeFast,
  COMMITTING_SUITE_ID,
  decodeMessage,
  encodeWithHeader,
  prepareMessageHeader,
  classifyStoredValue,
  type MessageHeaderTemplate,
  type StoredValueClass,
  type MessageHeader,
  type StoredMessage,
} from '../codec';

export type { MessageHeader, StoredMessage, StoredValueClass };

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
/** Reads v1 messages too; only for ciphers created with commitmentPolicy REQUIRE_ENCRYPT_ALLOW_DECRYPT. */
const legacyReadingSdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

/** A stored value as plaintext, a message (decoded bytes and parsed header), or a damaged message. */
export const readMessage: (value: string) => StoredValueClass = classifyStoredValue;

/** True when the codec writes messages of this suite (committing, not signed). */
export function canEncodeFast(suite: NodeAlgorithmSuite): boolean {
  return suite.id === COMMITTING_SUITE_ID;
}

export { canDecodeFast };

/**
 * The serialized header parts (suite, context and EDK sections) of each materials object, made on
 * its first message. A cache hit returns the same materials object, so every later value of that
 * data key only copies these bytes. It holds no key material and nothing per message (message id,
 * commitment and tags are fresh every time); the WeakMap lets it go with the materials.
 */
const headerTemplates = new WeakMap<NodeEncryptionMaterial, MessageHeaderTemplate>();

function headerTemplateOf(material: NodeEncryptionMaterial): MessageHeaderTemplate {
  let template = headerTemplates.get(material);
  if (!template) {
    template = prepareMessageHeader({
      suiteId: material.suite.id,
      encryptedDataKeys: material.encryptedDataKeys,
      encryptionContext: material.encryptionContext,
    });
    headerTemplates.set(material, template);
  }
  return template;
}

/** Writes one message with the codec, synchronously. `material` must be live for the whole call. */
export function encodeFast(material: NodeEncryptionMaterial, plaintext: Uint8Array): Buffer {
  const template = headerTemplateOf(material);
  return withDataKeyBytes(material, (dataKey) => encodeWithHeader(template, dataKey, plaintext));
}

/** Reads one message with the codec, synchronously; verifies commitment and both tags. */
export function decodeFast(stored: StoredMessage, material: NodeDecryptionMaterial): Buffer {
  return withDataKeyBytes(material, (dataKey) => decodeMessage(stored.message, stored.header, dataKey));
}

/**
 * The header bytes that hold the encryption context and the encrypted data keys (specification:
 * data-format/message-header.md), for the decrypt cache key. Everything before them is fixed-length
 * (v2: version, suite id, 32-byte message id; v1: version, type, suite id, 16-byte message id) and so is
 * everything after them up to the header auth (v2: content type, frame length, 32-byte commitment;
 * v1: content type, 4 reserved bytes, IV length, frame length).
 */
export function contextAndKeysSection(header: MessageHeader): Uint8Array {
  const raw = header.rawHeader;
  return header.version === 2 ? raw.subarray(1 + 2 + 32, raw.length - (1 + 4 + 32)) : raw.subarray(1 + 1 + 2 + 16, raw.length - (1 + 4 + 1 + 4));
}

/** Writes one message with the SDK's `encrypt`, getting materials from `materials`. */
export async function encryptWithSdk(
  materials: NodeMaterialsManager,
  plaintext: Uint8Array,
  suite: NodeAlgorithmSuite,
  encryptionContext: EncryptionContext,
): Promise<Buffer> {
  const { result } = await sdk.encrypt(materials, plaintext, {
    suiteId: suite.id,
    encryptionContext,
  });
  return result;
}

/** Reads one message with the SDK's `decrypt` under `policy`, getting materials from `materials`. */
export async function decryptWithSdk(
  materials: NodeMaterialsManager,
  message: Uint8Array,
  policy: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT' | 'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
): Promise<Buffer> {
  const client = policy === 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' ? legacyReadingSdk : sdk;
  const { plaintext } = await client.decrypt(materials, message);
  return plaintext;
}

/**
 * On Node the SDK keeps data keys in a KeyObject; the codec needs the bytes. Export a copy for one
 * synchronous call and zero it right after: the only plaintext data key copy we ever make.
 */
function withDataKeyBytes<T>(material: NodeEncryptionMaterial | NodeDecryptionMaterial, use: (dataKey: Uint8Array) => T): T {
  const key = material.getUnencryptedDataKey();
  const bytes = key instanceof Uint8Array ? key : unwrapDataKey(key);
  try {
    return use(bytes);
  } finally {
    // A Uint8Array key is the material's own (no KeyObject support): never zero that one.
    if (bytes !== key) bytes.fill(0);
  }
}
