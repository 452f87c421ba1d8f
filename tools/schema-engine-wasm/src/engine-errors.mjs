// Errors as the Prisma CLI expects them from the native engine: a Prisma error code where native
// has one, no Rust span trace, and the message of a JS error that crossed into the engine.
import { lastPanicMessage } from './wasm-engine.mjs';

/** Connection failures reach us as plain messages; native tags them with these codes. */
const CONNECTION_ERROR_CODES = [
  [/^Authentication failed/, 'P1000'],
  [/^Can't reach database server/, 'P1001'],
  [/^Database .* does not exist/, 'P1003'],
  [/denied access on the database/, 'P1010'],
  [/TLS connection/, 'P1011'],
];

export function connectionErrorCode(message) {
  return CONNECTION_ERROR_CODES.find(([pattern]) => pattern.test(message))?.[1];
}

/**
 * A JS error thrown inside a driver adapter reaches the engine as "External error id#N"; the adapter's
 * error registry holds the original. Set once the engine has an adapter.
 */
let externalErrors;
export function useExternalErrorRegistry(registry) {
  externalErrors = registry;
}

export function explainMessage(message) {
  return message.replace(/External error id#(\d+)/g, (text, id) => externalErrors?.consumeError(Number(id))?.error?.message ?? text);
}

const MIGRATION_FAILED = /apply_migration::apply_script\s+with migration_name="([^"]+)"/;

/** The JSON-RPC `error` member for a failed request. */
export function toRpcError(error) {
  const isPanic = error instanceof WebAssembly.RuntimeError;
  const raw = isPanic ? lastPanicMessage() ?? String(error) : explainMessage(String(error?.message ?? error));
  let message = raw.replace(/\n\s+0: \S+::[\s\S]*$/, ''); // the span trace is on stderr already
  let code = error?.code;
  const failedMigration = MIGRATION_FAILED.exec(raw);
  if (failedMigration && !code) {
    // The WebAssembly engine has no P3018; the CLI prints native's recovery advice for it.
    code = 'P3018';
    message = [
      'A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve',
      `Migration name: ${failedMigration[1]}`,
      `Database error:\n${message.replace(/^external connector error\n/, '')}`,
    ].join('\n\n');
  }
  return {
    code: 4466,
    message: isPanic ? message : 'An error happened. Check the data field for details.',
    data: { is_panic: isPanic, message, meta: error?.meta ?? {}, error_code: code },
  };
}
