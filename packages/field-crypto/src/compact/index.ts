/** Compact values: layout, classification, per-field keys and the codec. Internal to field-crypto. */
export * from './compact-layout';
export { classifyCompactValue, keyVersionIdOf, type CompactValue, type CompactValueClass, type DamagedCompactReason } from './compact-value';
export { fieldKeyInfo, deriveCompactFieldKey, FIELD_KEY_LABEL, FIELD_KEY_BYTES as COMPACT_FIELD_KEY_BYTES } from './field-key';
export { encodeCompact, decodeCompact, decodeCompactBase64 } from './compact-codec';
