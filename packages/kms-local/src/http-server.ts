/**
 * The HTTP edge: routes a request to the KMS protocol or the control endpoint, applies the faults
 * that happen on the wire (being down, latency), and writes the answer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessKeyIdFromAuthorization } from './access-policy';
import { CONTROL_PREFIX, handleControlRequest } from './control-api';
import { KmsException, isKmsException } from './errors';
import type { KmsService } from './kms-service';
import { JSON_CONTENT_TYPE, MAX_REQUEST_BYTES, errorResponseBody, operationFromTarget, parseRequestBody } from './protocol';

class RequestTooLarge extends Error {
  readonly code = 'REQUEST_TOO_LARGE';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new RequestTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(body);
}

function sendKmsError(response: ServerResponse, error: KmsException): void {
  send(response, error.statusCode, JSON_CONTENT_TYPE, errorResponseBody(error));
}

async function handleKmsRequest(service: KmsService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // A drill's outage: the caller sees a reset connection, as when a network path to KMS fails.
  if (service.faults.isServiceDown) {
    request.socket.destroy();
    return;
  }
  const operation = operationFromTarget(request.headers['x-amz-target']);
  const body = await readBody(request);
  if (request.method !== 'POST' || operation === undefined) {
    sendKmsError(response, new KmsException('UnknownOperationException', 'Expected POST / with X-Amz-Target: TrentService.<Operation>'));
    return;
  }
  const parsed = parseRequestBody(body);
  if (!parsed) {
    sendKmsError(response, new KmsException('SerializationException', 'The request body is not a JSON object'));
    return;
  }
  if (service.faults.delayMs > 0) await sleep(service.faults.delayMs);
  if (service.faults.isServiceDown) {
    request.socket.destroy();
    return;
  }
  try {
    const result = service.call(operation, parsed, accessKeyIdFromAuthorization(request.headers.authorization));
    send(response, 200, JSON_CONTENT_TYPE, JSON.stringify(result));
  } catch (error) {
    if (!isKmsException(error)) throw error;
    sendKmsError(response, error);
  }
}

async function handleControl(service: KmsService, request: IncomingMessage, response: ServerResponse, endpoint: () => string): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://kms-local');
  const text = (await readBody(request)).toString('utf8');
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    send(response, 400, 'application/json', JSON.stringify({ error: { code: 'BAD_CONTROL_REQUEST', message: 'The body is not JSON' } }));
    return;
  }
  const path = url.pathname.slice(CONTROL_PREFIX.length);
  const answer = handleControlRequest(service, { method: request.method ?? 'GET', path, body }, endpoint());
  send(response, answer.status, 'application/json', JSON.stringify(answer.body));
}

/**
 * Creates (does not start) the HTTP server. `endpoint` is read lazily: the port is known only after
 * `listen`.
 */
export function createKmsHttpServer(service: KmsService, endpoint: () => string, onInternalError: (error: unknown) => void): Server {
  const server = createServer((request, response) => {
    const isControl = (request.url ?? '').startsWith(CONTROL_PREFIX);
    const handled = isControl ? handleControl(service, request, response, endpoint) : handleKmsRequest(service, request, response);
    handled.catch((error: unknown) => {
      if (error instanceof RequestTooLarge) {
        sendKmsError(response, new KmsException('ValidationException', 'The request is too large'));
        return;
      }
      onInternalError(error);
      if (!response.headersSent) sendKmsError(response, new KmsException('KMSInternalException', 'kms-local failed to handle the request'));
      else response.destroy();
    });
  });
  // Node's default keep-alive timeout (5 s) is shorter than the SDK agent's idle sockets live; a
  // longer one avoids spurious ECONNRESET on reused sockets in long test runs.
  server.keepAliveTimeout = 65_000;
  return server;
}
