import { buildClient, CommitmentPolicy, type KeyringNode } from '@aws-crypto/client-node';
import { ConfigurationError, createFieldCipher, generateLocalKey, localAesKeyring, rotationKeyring } from '../index';

const field = { model: 'User', field: 'email' };
const oldKey = localAesKeyring({ key: generateLocalKey() }, { keyName: 'key-2025' });
const newKey = localAesKeyring({ key: generateLocalKey() }, { keyName: 'key-2026' });

async function encryptUnder(keyring: KeyringNode, value: string): Promise<string> {
  return createFieldCipher({ keyring }).encrypt(value, field);
}

describe('rotationKeyring', () => {
  it('wraps new data keys with the current key only', async () => {
    const cipher = createFieldCipher({ keyring: rotationKeyring({ current: newKey, previous: [oldKey] }) });
    const stored = await cipher.encrypt('ada@example.com', field);
    const inspected = cipher.inspect(stored);
    expect(inspected.kind).toBe('ciphertext');
    if (inspected.kind !== 'ciphertext') return;
    expect(inspected.wrappingKeys.map((key) => key.keyId)).toEqual(['key-2026']);
    // The retired key alone cannot read what the rotation keyring writes.
    await expect(createFieldCipher({ keyring: oldKey }).decrypt(stored, field)).rejects.toThrow();
    expect(await createFieldCipher({ keyring: newKey }).decrypt(stored, field)).toBe('ada@example.com');
  });

  it('decrypts values written under a previous key and under the current one', async () => {
    const cipher = createFieldCipher({ keyring: rotationKeyring({ current: newKey, previous: [oldKey] }) });
    expect(await cipher.decrypt(await encryptUnder(oldKey, 'old value'), field)).toBe('old value');
    expect(await cipher.decrypt(await encryptUnder(newKey, 'new value'), field)).toBe('new value');
  });

  it('refuses a value under a key it does not hold', async () => {
    const stranger = localAesKeyring({ key: generateLocalKey() }, { keyName: 'stranger' });
    const cipher = createFieldCipher({ keyring: rotationKeyring({ current: newKey, previous: [oldKey] }) });
    await expect(cipher.decrypt(await encryptUnder(stranger, 'x'), field)).rejects.toThrow();
  });

  it('writes messages the SDK decrypts with the current key', async () => {
    const { result } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).encrypt(
      rotationKeyring({ current: newKey, previous: [oldKey] }),
      'through the SDK',
    );
    const { plaintext } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(newKey, result);
    expect(plaintext.toString()).toBe('through the SDK');
  });

  it('Precondition: current and previous are keyrings', () => {
    expect(() => rotationKeyring({ current: undefined as never, previous: [] })).toThrow(ConfigurationError);
    expect(() => rotationKeyring({ current: newKey, previous: [{}] as never })).toThrow(ConfigurationError);
  });
});
