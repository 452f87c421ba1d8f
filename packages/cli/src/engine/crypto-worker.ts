/**
 * A crypto worker thread: loads the config module, builds its cipher, and answers `encrypt` and
 * `decryptEach` requests from crypto-workers. Only values and field names cross the thread boundary;
 * keys and data keys stay inside the worker's own cipher and cache.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig, provide } from '../config/load-config';
import type { MigrationCipher } from '../config/define-config';
import { failureCode, inThreadCrypto, type CryptoItem } from './batch-crypto';
import { cipherFailureInfo, type CipherFailureInfo } from './cipher-failure';

/** A request from the main thread. */
export interface WorkerRequest {
  readonly id: number;
  readonly op: 'encrypt' | 'decryptEach';
  readonly items: readonly CryptoItem[];
}

/** The worker's first message, then one answer per request. */
export type WorkerMessage =
  | { readonly ready: true }
  | { readonly ready: false; readonly code: string }
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly failure: CipherFailureInfo };

async function serve(configPath: string): Promise<void> {
  const port = parentPort!;
  let crypto;
  try {
    const loaded = await loadConfig(configPath);
    crypto = inThreadCrypto(await provide(loaded.config.cipher as MigrationCipher, 'cipher'));
  } catch (error) {
    port.postMessage({ ready: false, code: failureCode(error) } satisfies WorkerMessage);
    return;
  }
  port.on('message', (request: WorkerRequest) => {
    const work = request.op === 'encrypt' ? crypto.encryptMany(request.items) : crypto.decryptEach(request.items);
    work.then(
      (result) => port.postMessage({ id: request.id, ok: true, result } satisfies WorkerMessage),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, failure: cipherFailureInfo(error) } satisfies WorkerMessage),
    );
  });
  port.postMessage({ ready: true } satisfies WorkerMessage);
}

if (parentPort) void serve((workerData as { configPath: string }).configPath);
