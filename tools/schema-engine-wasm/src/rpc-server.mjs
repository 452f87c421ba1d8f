// Newline-delimited JSON-RPC 2.0 on stdin/stdout, one request at a time, in order, as native serves it.
import { createInterface } from 'node:readline';
import { toRpcError } from './engine-errors.mjs';
import { logLine } from './stderr-log.mjs';

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
}

/** Serves `session` until stdin closes; then calls `onClose`. */
export function serveJsonRpc(session, onClose) {
  let queue = Promise.resolve();
  const answer = async ({ id, method, params }) => {
    try {
      const { print, ...result } = (await session.call(method, params)) ?? {};
      // A diff goes to the CLI as a `print` request, before the answer, as native sends it.
      if (typeof print === 'string') send({ id: 'print', method: 'print', params: { content: print } });
      send({ id, result });
    } catch (error) {
      logLine('WARN', { message: String(error?.stack ?? error) });
      send({ id, error: toRpcError(error) });
    }
  };
  createInterface({ input: process.stdin, crlfDelay: Infinity })
    .on('line', (line) => {
      const message = line.trim() ? JSON.parse(line) : {};
      if (!message.method) return; // a blank line, or the CLI's answer to our `print` request
      queue = queue.then(() => answer(message));
    })
    .on('close', () => queue.finally(onClose));
}
