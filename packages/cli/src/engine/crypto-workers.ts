/**
 * Runs a migration's crypto in worker threads (`--crypto-workers n`), so it uses more than one core
 * while the main thread reads, plans and writes. Batches go to the workers in turn. Each worker loads
 * the config module and builds its own cipher (and data-key cache: one KMS call per field per worker
 * and cache window instead of one per process), which costs about 75 MB of memory per worker.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CliError } from '../errors';
import { cipherFailure } from './cipher-failure';
import type { ValueOutcome } from './plan-batch';
import type { BatchCrypto, CryptoItem } from './batch-crypto';
import type { WorkerMessage, WorkerRequest } from './crypto-worker';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class CryptoWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: WorkerMessage) => {
      if (!('id' in message)) return;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) pending?.resolve(message.result);
      else pending?.reject(cipherFailure('Encryption failed in a crypto worker', message.failure));
    });
    const failAll = (): void => {
      for (const pending of this.pending.values()) pending.reject(new CliError('CIPHER_FAILED', 'A crypto worker stopped'));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', failAll);
  }

  static start(configPath: string): Promise<CryptoWorker> {
    const worker = new Worker(join(__dirname, 'crypto-worker.js'), { workerData: { configPath } });
    return new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage): void => {
        if (!('ready' in message)) return;
        worker.off('message', onMessage);
        if (message.ready) resolve(new CryptoWorker(worker));
        else {
          void worker.terminate();
          reject(new CliError('CIPHER_FAILED', `A crypto worker could not build the config's cipher (${message.code})`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', () => reject(new CliError('CIPHER_FAILED', 'A crypto worker failed to start')));
    });
  }

  request<T>(op: WorkerRequest['op'], items: readonly CryptoItem[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, op, items } satisfies WorkerRequest);
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Starts `count` workers over the config module at `configPath`.
 *
 * @example
 * ```ts
 * const crypto = await startCryptoWorkers('/srv/app/prisma-kms.config.ts', 2);
 * try { await runMigration(targets, { ...options, crypto }); } finally { await crypto.close(); }
 * ```
 */
export async function startCryptoWorkers(configPath: string, count: number): Promise<BatchCrypto> {
  const workers = await Promise.all(Array.from({ length: count }, () => CryptoWorker.start(configPath)));
  let turn = 0;
  const next = (): CryptoWorker => workers[turn++ % workers.length]!;
  return {
    encryptMany: (items) => next().request<string[]>('encrypt', items),
    decryptEach: (items) => next().request<ValueOutcome[]>('decryptEach', items),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}
