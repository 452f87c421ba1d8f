/**
 * The algorithm suites of the AWS Encryption SDK message format
 * (specification: framework/algorithm-suites.md). Every suite uses AES-GCM with a 12-byte IV and a
 * 16-byte tag; they differ in key length, key derivation, key commitment and signing.
 */

/** How the per-message content key is derived from the data key. */
export type KeyDerivation =
  /** No derivation: the data key is the content key (legacy v1 suites). */
  | 'none'
  /** HKDF-SHA256, no salt, info = suite id + message id (v1 suites). */
  | 'hkdf-sha256'
  /** HKDF-SHA384, as above; only used by signed suites, which the codec leaves to the SDK. */
  | 'hkdf-sha384'
  /** HKDF-SHA512, salt = message id, with a key commitment (v2 suites). */
  | 'hkdf-sha512-commit';

export interface AlgorithmSuite {
  readonly id: number;
  readonly messageFormat: 1 | 2;
  readonly cipherName: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
  readonly keyLength: number;
  readonly keyDerivation: KeyDerivation;
  /** Signed suites end with a footer (ECDSA signature) that the codec does not verify. */
  readonly signed: boolean;
}

/** Both the IV and tag lengths are fixed by the format for every suite the specification defines. */
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
/** Message id lengths: 16 bytes in v1, 32 bytes in v2 (the v2 id is also the HKDF salt). */
export const MESSAGE_ID_LENGTH_V1 = 16;
export const MESSAGE_ID_LENGTH_V2 = 32;
/** Length of the key commitment stored as suite data in v2 headers. */
export const COMMITMENT_LENGTH = 32;

/** The suite new messages use: committing, not signed (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY). */
export const COMMITTING_SUITE_ID = 0x0478;

function suite(
  id: number,
  messageFormat: 1 | 2,
  keyLength: 16 | 24 | 32,
  keyDerivation: KeyDerivation,
  signed: boolean,
): AlgorithmSuite {
  const cipherName = keyLength === 16 ? 'aes-128-gcm' : keyLength === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
  return Object.freeze({ id, messageFormat, cipherName, keyLength, keyDerivation, signed });
}

const SUITES: ReadonlyMap<number, AlgorithmSuite> = new Map(
  [
    suite(0x0014, 1, 16, 'none', false),
    suite(0x0046, 1, 24, 'none', false),
    suite(0x0078, 1, 32, 'none', false),
    suite(0x0114, 1, 16, 'hkdf-sha256', false),
    suite(0x0146, 1, 24, 'hkdf-sha256', false),
    suite(0x0178, 1, 32, 'hkdf-sha256', false),
    suite(0x0214, 1, 16, 'hkdf-sha256', true),
    suite(0x0346, 1, 24, 'hkdf-sha384', true),
    suite(0x0378, 1, 32, 'hkdf-sha384', true),
    suite(0x0478, 2, 32, 'hkdf-sha512-commit', false),
    suite(0x0578, 2, 32, 'hkdf-sha512-commit', true),
  ].map((s) => [s.id, s]),
);

/** The suite with this id, or undefined when the specification defines none. */
export function findAlgorithmSuite(id: number): AlgorithmSuite | undefined {
  return SUITES.get(id);
}
