import type { EncryptionContext } from '@aws-crypto/client-node';
import { ConfigurationError, EncryptionContextMismatchError, type FieldCryptoErrorOptions } from '../errors';

/** A Prisma model and one of its fields: where a value lives. */
export interface FieldRef {
  readonly model: string;
  readonly field: string;
}

/**
 * The encryption context keys that bind a value to its column. They are stored in every message and
 * covered by its tags: renaming them would make every existing value fail the context check.
 */
export const MODEL_CONTEXT_KEY = 'prisma-kms:model';
/** The context key of the Prisma field name; see {@link MODEL_CONTEXT_KEY}. */
export const FIELD_CONTEXT_KEY = 'prisma-kms:field';

/** Namespaces reserved for us and for the SDK (`aws-crypto-public-key` of signed suites). */
const RESERVED_PREFIXES = ['prisma-kms:', 'aws-crypto-'] as const;

/** Checks the application's static context once, when the cipher is created. */
export function validateStaticContext(context: Record<string, string> | undefined): Readonly<EncryptionContext> {
  const validated: EncryptionContext = {};
  for (const [key, value] of Object.entries(context ?? {})) {
    if (key.length === 0) throw new ConfigurationError('encryptionContext keys must not be empty');
    if (RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw new ConfigurationError(`encryptionContext key "${key}" is in a reserved namespace (prisma-kms:, aws-crypto-)`);
    }
    if (typeof value !== 'string') throw new ConfigurationError(`encryptionContext value of "${key}" must be a string`);
    validated[key] = value;
  }
  return Object.freeze(validated);
}

/** The context every value of `field` is encrypted under: model, field, then the static pairs. */
export function fieldContext(field: FieldRef, staticContext: Readonly<EncryptionContext>): Readonly<EncryptionContext> {
  return Object.freeze({ [MODEL_CONTEXT_KEY]: field.model, [FIELD_CONTEXT_KEY]: field.field, ...staticContext });
}

/**
 * Throws unless the message's context belongs to `field`: same model, same field, and every static pair
 * present with the same value. Extra pairs are allowed (e.g. a static pair the application has since
 * dropped, or the SDK's public key of a signed suite). The JavaScript SDK does not check this for us.
 */
export function checkContext(
  messageContext: Readonly<EncryptionContext>,
  field: FieldRef,
  staticContext: Readonly<EncryptionContext>,
): void {
  let mismatched: string[] | undefined;
  if (messageContext[MODEL_CONTEXT_KEY] !== field.model) (mismatched ??= []).push(MODEL_CONTEXT_KEY);
  if (messageContext[FIELD_CONTEXT_KEY] !== field.field) (mismatched ??= []).push(FIELD_CONTEXT_KEY);
  for (const key in staticContext) {
    if (messageContext[key] !== staticContext[key]) (mismatched ??= []).push(key);
  }
  if (mismatched) {
    throw new EncryptionContextMismatchError(
      `the stored value was not encrypted for this field (encryption context differs at ${mismatched.join(', ')}); ` +
        'was it copied from another column?',
      mismatched,
      { model: field.model, field: field.field },
    );
  }
}

/** The model and field a context names, for error messages raised where only the context is known. */
export function describeContext(context: Readonly<EncryptionContext>): FieldCryptoErrorOptions {
  return { model: context[MODEL_CONTEXT_KEY], field: context[FIELD_CONTEXT_KEY] };
}
