/**
 * Per-message key derivation (specification: framework/algorithm-suites.md, "Key Derivation";
 * client-apis/encrypt.md "Construct the header"): HKDF written as its HMAC steps with node:crypto's
 * createHmac, which costs one HMAC per step where `hkdfSync` costs several times more.
 *
 * - committing suites (v2): PRK = HMAC-SHA512(salt = message id, data key);
 *   commitment = first 32 bytes of HMAC-SHA512(PRK, "COMMITKEY" || 0x01);
 *   content key = first 32 bytes of HMAC-SHA512(PRK, suite id || "DERIVEKEY" || 0x01).
 * - v1 HKDF-SHA256 suites: PRK = HMAC-SHA256(salt = zeros, data key);
 *   content key = first key-length bytes of HMAC-SHA256(PRK, suite id || message id || 0x01).
 * - v1 suites without a KDF use the data key as the content key.
 *
 * Every output here fits in the first HKDF block (T(1)), so one expand is one HMAC.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { COMMITMENT_LENGTH, type AlgorithmSuite } from './algorithm-suites';

/** T(1)'s counter byte: HKDF-Expand appends the block number, starting at 1. */
const FIRST_BLOCK = 0x01;
const COMMIT_INFO = Buffer.from([...Buffer.from('COMMITKEY', 'ascii'), FIRST_BLOCK]);
const DERIVE_LABEL = Buffer.from('DERIVEKEY', 'ascii');
/** HKDF without a salt uses HashLen zero bytes (RFC 5869 2.2). */
const SHA256_ZERO_SALT = Buffer.alloc(32);

const deriveInfoBySuite = new Map<number, Buffer>();

/** suite id (uint16) || "DERIVEKEY" || 0x01, built once per suite. */
function committingDeriveInfo(suiteId: number): Buffer {
  let info = deriveInfoBySuite.get(suiteId);
  if (!info) {
    info = Buffer.alloc(2 + DERIVE_LABEL.length + 1);
    info.writeUInt16BE(suiteId, 0);
    DERIVE_LABEL.copy(info, 2);
    info[info.length - 1] = FIRST_BLOCK;
    deriveInfoBySuite.set(suiteId, info);
  }
  return info;
}

/**
 * The content key of one message, and the buffers to zero once the message is done. `contentKey`
 * may be a view of a wiped buffer, so use it before calling `wipe`.
 */
export interface ContentKey {
  readonly contentKey: Uint8Array | KeyObject;
  wipe(): void;
}

/**
 * Derives the committing suite's key commitment and content key for a new message. The commitment
 * is written into `out` at `commitmentOffset` (the header's suite data field). Returns the HMAC
 * block whose first `suite.keyLength` bytes are the content key; the caller zeroes it when done.
 * Never call this twice with the same message id and data key: the content key would repeat, and
 * with it the frame's GCM nonce.
 */
export function deriveCommittingKeyBlockForEncrypt(
  suite: AlgorithmSuite,
  dataKey: Uint8Array,
  messageId: Uint8Array,
  out: Buffer,
  commitmentOffset: number,
): Buffer {
  const prk = createHmac('sha512', messageId).update(dataKey).digest();
  const commitBlock = createHmac('sha512', prk).update(COMMIT_INFO).digest();
  commitBlock.copy(out, commitmentOffset, 0, COMMITMENT_LENGTH);
  commitBlock.fill(0);
  const keyBlock = createHmac('sha512', prk).update(committingDeriveInfo(suite.id)).digest();
  prk.fill(0);
  return keyBlock;
}

/**
 * Derives the content key for decrypting, checking the key commitment first (so a wrong or
 * substituted data key never reaches the ciphers). Returns undefined when the commitment does not match.
 */
export function deriveKeyForDecrypt(
  suite: AlgorithmSuite,
  dataKey: Uint8Array,
  messageId: Uint8Array,
  commitment: Uint8Array,
): ContentKey | undefined {
  switch (suite.keyDerivation) {
    case 'hkdf-sha512-commit': {
      const prk = createHmac('sha512', messageId).update(dataKey).digest();
      const commitBlock = createHmac('sha512', prk).update(COMMIT_INFO).digest();
      const committed =
        commitment.length === COMMITMENT_LENGTH &&
        timingSafeEqual(commitBlock.subarray(0, COMMITMENT_LENGTH), commitment);
      commitBlock.fill(0);
      if (!committed) {
        prk.fill(0);
        return undefined;
      }
      const keyBlock = createHmac('sha512', prk).update(committingDeriveInfo(suite.id)).digest();
      prk.fill(0);
      return wipeable(keyBlock, suite.keyLength);
    }
    case 'hkdf-sha256': {
      const prk = createHmac('sha256', SHA256_ZERO_SALT).update(dataKey).digest();
      const info = Buffer.allocUnsafe(2 + messageId.length + 1);
      info.writeUInt16BE(suite.id, 0);
      info.set(messageId, 2);
      info[info.length - 1] = FIRST_BLOCK;
      const keyBlock = createHmac('sha256', prk).update(info).digest();
      prk.fill(0);
      return wipeable(keyBlock, suite.keyLength);
    }
    case 'none':
      // The data key is the content key: it belongs to the caller, so it is neither copied nor wiped.
      return { contentKey: dataKey, wipe: noWipe };
    case 'hkdf-sha384':
      // Only signed suites use it, and signed messages are never decoded here (canDecodeFast).
      return undefined;
  }
}

function wipeable(block: Buffer, keyLength: number): ContentKey {
  return { contentKey: block.subarray(0, keyLength), wipe: () => block.fill(0) };
}

function noWipe(): void {}
