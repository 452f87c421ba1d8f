export { fieldEncryption, type ExtensionCipher, type FieldEncryptionOptions, type PlaintextMode } from './field-encryption';
