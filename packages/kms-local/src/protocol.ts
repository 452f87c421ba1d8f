/**
 * The AWS JSON 1.1 protocol as KMS speaks it: `POST /`, `X-Amz-Target: TrentService.<Operation>`,
 * a JSON body with base64 blobs, and errors as `{"__type", "message"}` (the SDK reads `__type` to
 * pick its exception class).
 */
import type { KmsException } from './errors';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
/** Far above any valid KMS request (blobs are at most 6 KiB); stops a runaway client, nothing more. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** The operation named by `X-Amz-Target`, or undefined when the header is missing or foreign. */
export function operationFromTarget(target: string | string[] | undefined): string | undefined {
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return undefined;
  return target.slice(TARGET_PREFIX.length) || undefined;
}

/** Parses a request body; undefined when it is not a JSON object (AWS: SerializationException). */
export function parseRequestBody(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function errorResponseBody(error: KmsException): string {
  return JSON.stringify({ __type: error.code, message: error.message });
}
