/**
 * The fast Encryption SDK message codec: synchronous encode/decode of single-frame messages,
 * byte-compatible with the AWS Encryption SDK, plus header parsing for detection and inspection.
 * This is the codec's only entry point; the modules behind it are internal.
 */
export {
  parseMessageHeader,
  type EncryptedDataKey,
  type MessageHeader,
  type MessageBodyShape,
} from './message-header';
export {
  classifyStoredValue,
  isEncryptedMessage,
  readStoredMessage,
  type DamagedMessageReason,
  type StoredMessage,
  type StoredValueClass,
} from './stored-message';
export { canDecodeFast, decodeMessage } from './decode-message';
export {
  encodeMessage,
  encodeWithHeader,
  prepareMessageHeader,
  DEFAULT_FRAME_LENGTH,
  type EncodeMessageInput,
  type MessageHeaderInput,
  type MessageHeaderTemplate,
  type EncodeMessageTestOptions,
} from './encode-message';
export { type DataKey } from './data-key';
export { COMMITTING_SUITE_ID } from './algorithm-suites';
export {
  MalformedMessageError,
  MessageAuthenticationError,
  CodecInputError,
  isCodecError,
  CODEC_ERROR_CODES,
  type CodecError,
  type CodecErrorCode,
  type MalformedReason,
  type AuthenticationReason,
  type CodecInputReason,
} from './errors';
