export { fieldEncryption, type ApplicationIndexer, type ExtensionCipher, type FieldEncryptionOptions, type PlaintextMode, type ShreddedMode } from './field-encryption';
