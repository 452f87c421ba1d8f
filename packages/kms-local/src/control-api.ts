/**
 * The control endpoint under `/__kms-local/`, so a server started from the command line can be
 * driven by scripts: fault drills, call counters, seeding keys and allow lists. JSON in, JSON out.
 *
 * | method and path | body | effect |
 * | --- | --- | --- |
 * | `GET /__kms-local/health` | | `{ status, endpoint, region, accountId }` |
 * | `GET /__kms-local/calls` | | `{ calls: { Decrypt: 3, ... } }` |
 * | `DELETE /__kms-local/calls` | | resets the counters |
 * | `GET /__kms-local/faults` | | the current fault settings |
 * | `POST /__kms-local/faults` | `{ clear?, latencyMs?, failNext?: { count, errorType, operation? }, throttleAbove?: number or null, down? }` | changes them (clear first) |
 * | `DELETE /__kms-local/faults` | | clears every fault |
 * | `POST /__kms-local/keys` | `{ keySpec?, multiRegion?, alias?, description?, access? }` | `{ keyId, arn }` |
 * | `PUT /__kms-local/keys/<key id, ARN or alias>/access` | an access policy, or `null` | replaces the key's allow lists |
 */
import { isKmsException, KmsLocalError } from './errors';
import type { KmsService } from './kms-service';
import type { AccessPolicy } from './state';

export const CONTROL_PREFIX = '/__kms-local/';

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ControlRequest {
  readonly method: string;
  /** The path after {@link CONTROL_PREFIX}, without a query string. */
  readonly path: string;
  readonly body: unknown;
}

class ControlRequestError extends Error {
  readonly code = 'BAD_CONTROL_REQUEST';
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlRequestError('The body must be a JSON object');
  return body as Record<string, unknown>;
}

function applyFaults(service: KmsService, body: Record<string, unknown>): void {
  const { faults } = service;
  if (body['clear'] === true) faults.clear();
  if (body['latencyMs'] !== undefined) faults.latency(Number(body['latencyMs']));
  const failNext = body['failNext'];
  if (failNext !== undefined) {
    const rule = objectBody(failNext);
    const operation = rule['operation'];
    if (typeof rule['errorType'] !== 'string' || (operation !== undefined && typeof operation !== 'string')) {
      throw new ControlRequestError('failNext needs { count, errorType, operation? }');
    }
    faults.failNext(Number(rule['count']), rule['errorType'], operation as string | undefined);
  }
  if (body['throttleAbove'] !== undefined) {
    faults.throttleAbove(body['throttleAbove'] === null ? undefined : Number(body['throttleAbove']));
  }
  if (body['down'] !== undefined) {
    if (typeof body['down'] !== 'boolean') throw new ControlRequestError('down must be true or false');
    faults.down(body['down']);
  }
}

/** Answers one control request. Never throws: failures become `{ error: { code, message } }`. */
export function handleControlRequest(service: KmsService, request: ControlRequest, endpoint: string): ControlResponse {
  try {
    return route(service, request, endpoint);
  } catch (error) {
    if (error instanceof ControlRequestError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
    if (error instanceof KmsLocalError || isKmsException(error)) {
      return { status: 400, body: { error: { code: error.code, message: error.message } } };
    }
    throw error;
  }
}

function route(service: KmsService, { method, path, body }: ControlRequest, endpoint: string): ControlResponse {
  const ok = (result: unknown): ControlResponse => ({ status: 200, body: result });
  const { location } = service.store;
  switch (`${method} ${path}`) {
    case 'GET health':
      return ok({ status: 'ok', endpoint, region: location.region, accountId: location.accountId });
    case 'GET calls':
      return ok({ calls: service.counters.snapshot() });
    case 'DELETE calls':
      service.counters.reset();
      return ok({ calls: {} });
    case 'GET faults':
      return ok(service.faults.settings());
    case 'POST faults':
      applyFaults(service, objectBody(body));
      return ok(service.faults.settings());
    case 'DELETE faults':
      service.faults.clear();
      return ok(service.faults.settings());
    case 'POST keys':
      return ok(service.createKey(objectBody(body)));
  }
  const access = /^keys\/(.+)\/access$/.exec(path);
  if (access && method === 'PUT') {
    const policy = body === null ? undefined : (objectBody(body) as AccessPolicy);
    return ok({ ...service.setAccess(decodeURIComponent(access[1]!), policy), access: policy ?? null });
  }
  throw new ControlRequestError(`No control route ${method} ${CONTROL_PREFIX}${path}`, 404);
}
