/**
 * Typed reads of a JSON 1.1 request body. A missing or mistyped member is a ValidationException
 * worded the way AWS words it (member names in lower camel case).
 */
import { KmsException } from './errors';
import type { EncryptionContext } from './ciphertext-blob';

function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1);
}

function invalid(field: string, constraint: string): KmsException {
  return new KmsException(
    'ValidationException',
    `1 validation error detected: Value at '${memberName(field)}' failed to satisfy constraint: ${constraint}`,
  );
}

export class RequestFields {
  constructor(private readonly body: Readonly<Record<string, unknown>>) {}

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  requiredString(field: string): string {
    const value = this.optionalString(field);
    if (value === undefined) throw invalid(field, 'Member must not be null');
    return value;
  }

  optionalString(field: string): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalid(field, 'Member must be a string');
    if (value.length === 0) throw invalid(field, 'Member must have length greater than or equal to 1');
    return value;
  }

  optionalEnum<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(field);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalid(field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return value as T;
  }

  optionalInteger(field: string, min: number, max: number): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(field, 'Member must be an integer');
    if (value < min) throw invalid(field, `Member must have value greater than or equal to ${min}`);
    if (value > max) throw invalid(field, `Member must have value less than or equal to ${max}`);
    return value;
  }

  optionalBoolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw invalid(field, 'Member must be a boolean');
    return value;
  }

  /** A base64 blob member, decoded; `maxBytes` as the AWS model constrains it. */
  requiredBlob(field: string, maxBytes: number): Buffer {
    const value = this.body[field];
    if (value === undefined || value === null) throw invalid(field, 'Member must not be null');
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw invalid(field, 'Member must be base64');
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length < 1) throw invalid(field, 'Member must have length greater than or equal to 1');
    if (bytes.length > maxBytes) throw invalid(field, `Member must have length less than or equal to ${maxBytes}`);
    return bytes;
  }

  /** A string-to-string map such as EncryptionContext; absent means empty. */
  optionalStringMap(field: string): EncryptionContext {
    const value = this.body[field];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'Member must be a map');
    for (const entry of Object.values(value as Record<string, unknown>)) {
      if (typeof entry !== 'string') throw invalid(field, 'Map value must be a string');
    }
    return value as EncryptionContext;
  }
}
