import { createFieldCipher, generateLocalKey, localAesKeyring } from '@prisma-kms/field-crypto';
import { InvalidConfigurationError, PrismaKmsErrorCode } from '../errors';
import { FieldMapError } from '../field-map';
import { fieldMap } from '../walker/__tests__/field-map.fixture';
import { fieldEncryption } from './field-encryption';

// Options are validated once, when the extension is created, not on the first query.
describe('fieldEncryption options', () => {
  const cipher = createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }) });

  it('returns an extension for a valid field map and cipher, in both modes', () => {
    expect(typeof fieldEncryption({ fields: fieldMap, cipher })).toBe('function');
    expect(typeof fieldEncryption({ fields: fieldMap, cipher, mode: 'strict' })).toBe('function');
  });

  it('refuses an unknown mode', () => {
    expect(() => fieldEncryption({ fields: fieldMap, cipher, mode: 'loose' as never })).toThrow(InvalidConfigurationError);
  });

  it('refuses a missing or incomplete cipher', () => {
    for (const bad of [undefined, null, {}, { encryptMany: () => Promise.resolve([]) }]) {
      expect(() => fieldEncryption({ fields: fieldMap, cipher: bad as never })).toThrow(
        expect.objectContaining({ code: PrismaKmsErrorCode.INVALID_CONFIGURATION }),
      );
    }
  });

  it('refuses missing options', () => {
    expect(() => fieldEncryption(undefined as never)).toThrow(InvalidConfigurationError);
  });

  it('refuses an invalid or foreign field map with the field map error', () => {
    expect(() => fieldEncryption({ fields: { version: 2, provider: 'sqlite', models: {} } as never, cipher })).toThrow(FieldMapError);
    expect(() => fieldEncryption({ fields: {} as never, cipher })).toThrow(FieldMapError);
  });
});
