/**
 * What a big read does to the other requests of the process: the latency of `findUnique` calls started
 * every few ms (open loop, see open-loop-probe.ts) on PostgreSQL while a `findMany` of 100,000 compact
 * values (33,334 users x 3 encrypted fields, key store, warm) decrypts through the extension, with the
 * cipher's slicing (batches yield about every 8 ms) and without it (`withoutSlicing`, the baseline), next
 * to the same probes alone and during the plain findMany of the same rows (Prisma's own share).
 * Phases interleave round by round; latencies are pooled per phase.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/find-unique-latency-bench.ts [--values N] [--rounds N] [--interval-ms N]
 *
 * Target (issue 12): with slicing, the p99 stays within 2x of the p99 without the big read.
 */
import { readFileSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import { createBlindIndexer, createIndexKey, generateLocalKey, loadIndexKeys, localAesKeyring } from '@prisma-kms/field-crypto';
import { withoutSlicing } from '@prisma-kms/field-crypto/internal/slicing';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { compactUnderKeyStore } from './cipher-configurations';
import { startOpenLoopProbe } from './open-loop-probe';
import { withScratchDatabases } from './scratch-databases';
import { fixedWidthTable } from './table';
import { median, quantile } from './timing';

const ENCRYPTED = ['name', 'email', 'phone'] as const;
const SEED_CHUNK = 5000;

export interface LatencyBenchOptions {
  /** Encrypted values the big findMany decrypts (3 per row). Default 100,000. */
  values?: number;
  /** Rounds of every phase, interleaved. Default 5. */
  rounds?: number;
  /** A findUnique starts every this many ms. Default 10. */
  intervalMs?: number;
}

/** The phases, in the order they run within a round. */
export const PHASES = ['alone', 'during plain findMany', 'during findMany, sliced', 'during findMany, not sliced'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseFigures {
  phase: Phase;
  /** findUnique latencies (ms), pooled over rounds. */
  latencies: number[];
  /** The p99 of each round alone, in round order: the spread of the pooled p99. */
  roundP99s: number[];
  /** Wall time (ms) of the big findMany of each round; empty for 'alone'. */
  bigReadMs: number[];
}

export interface LatencyFigures {
  values: number;
  rows: number;
  intervalMs: number;
  phases: PhaseFigures[];
}

/** Seeds the rows once, then runs every phase `rounds` times, interleaved. */
export async function benchFindUniqueLatency(options: LatencyBenchOptions = {}): Promise<LatencyFigures> {
  const values = options.values ?? 100_000;
  const rounds = options.rounds ?? 5;
  const intervalMs = options.intervalMs ?? 10;
  const rows = Math.ceil(values / ENCRYPTED.length);
  return withScratchDatabases(1, async ([url]) => {
    const database = new PrismaClient({ adapter: new PrismaPg({ connectionString: url as string }) });
    try {
      await database.$executeRawUnsafe(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
      const keyring = localAesKeyring({ key: generateLocalKey() });
      const cipher = await compactUnderKeyStore({ keyring, database });
      const blindIndexer = createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
      for (let first = 0; first < rows; first += SEED_CHUNK) {
        const users = Array.from({ length: Math.min(SEED_CHUNK, rows - first) }, (_, i) => first + i);
        const columns = await Promise.all(
          ENCRYPTED.map((field) => cipher.encryptMany(users.map((i) => ({ value: `${field} of user ${i}`, field: { model: 'User', field } })))),
        );
        const [names, emails, phones] = columns as [string[], string[], string[]];
        await database.user.createMany({ data: names.map((name, i) => ({ name, email: emails[i] as string, phone: phones[i] as string })) });
      }
      const extended = database.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer }));
      const everyone = { select: { id: true, name: true, email: true, phone: true } };
      const check = await extended.user.findMany(everyone); // also warms the key store and Prisma's query cache
      if (check.length !== rows || check[0]?.name !== `name of user 0`) throw new Error('the big findMany did not decrypt the seeded users');
      const [{ id: firstId }] = [check[0] as { id: number }];

      const probe = () => {
        const id = firstId + Math.floor(Math.random() * rows);
        return extended.user.findUnique({ where: { id }, select: { id: true, name: true, email: true, phone: true } }).then((user) => {
          if (user?.name !== `name of user ${id - firstId}`) throw new Error(`findUnique(${id}) did not decrypt`);
        });
      };
      const bigReads: Record<Exclude<Phase, 'alone'>, () => Promise<unknown>> = {
        'during plain findMany': () => database.user.findMany(everyone),
        'during findMany, sliced': () => extended.user.findMany(everyone),
        'during findMany, not sliced': () => withoutSlicing(() => extended.user.findMany(everyone)),
      };
      const figures = new Map<Phase, PhaseFigures>(PHASES.map((phase) => [phase, { phase, latencies: [], roundP99s: [], bigReadMs: [] }]));
      for (let round = 0; round < rounds; round++) {
        let aloneMs = 1000;
        for (const phase of PHASES) {
          const running = startOpenLoopProbe(probe, intervalMs);
          const started = performance.now();
          if (phase === 'alone') await new Promise((resolve) => setTimeout(resolve, aloneMs));
          else await bigReads[phase]();
          const elapsed = performance.now() - started;
          const latencies = await running.stop();
          const into = figures.get(phase) as PhaseFigures;
          into.latencies.push(...latencies);
          into.roundP99s.push(quantile(latencies, 0.99));
          if (phase !== 'alone') into.bigReadMs.push(elapsed);
          if (phase === 'during findMany, sliced') aloneMs = elapsed; // next round's quiet phase as long as a big read
        }
      }
      return { values: rows * ENCRYPTED.length, rows, intervalMs, phases: PHASES.map((phase) => figures.get(phase) as PhaseFigures) };
    } finally {
      await database.$disconnect();
    }
  });
}

/**
 * One line per phase: probes, p50, p99 (pooled, and the min-max of the per-round p99s), max, the p99
 * over the quiet p99, and the big read's median time. Returns the text as well.
 *
 * @example
 * printLatencyTable(await benchFindUniqueLatency({ values: 10_000 }));
 */
export function printLatencyTable(figures: LatencyFigures, write: (text: string) => void = console.log): string {
  const quietP99 = quantile(figures.phases.find((p) => p.phase === 'alone')?.latencies ?? [], 0.99);
  const header = ['findUnique', 'probes', 'p50 ms', 'p99 ms', 'p99 per round', 'max ms', 'p99 x alone', 'big read ms'];
  const body = figures.phases.map(({ phase, latencies, roundP99s, bigReadMs }) => {
    const p99 = quantile(latencies, 0.99);
    return [
      phase,
      String(latencies.length),
      quantile(latencies, 0.5).toFixed(1),
      p99.toFixed(1),
      `${Math.min(...roundP99s).toFixed(1)}-${Math.max(...roundP99s).toFixed(1)}`,
      Math.max(...latencies).toFixed(1),
      `${(p99 / quietP99).toFixed(2)}x`,
      bigReadMs.length ? median(bigReadMs).toFixed(0) : '',
    ];
  });
  const text = fixedWidthTable(header, body);
  write(text);
  return text;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

if (require.main === module) {
  const options = { values: flag('values', 100_000), rounds: flag('rounds', 5), intervalMs: flag('interval-ms', 10) };
  benchFindUniqueLatency(options)
    .then((figures) => {
      console.log(`findUnique every ${figures.intervalMs} ms while a findMany of ${figures.values} compact values (${figures.rows} rows) decrypts:`);
      printLatencyTable(figures);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
