/**
 * What a big read does to the other requests of the process: the latency of `findUnique` calls started
 * every few ms (open loop, see open-loop-probe.ts) on PostgreSQL while 100,000 compact values (33,334
 * users x 3 encrypted fields, key store, warm) decrypt, in two forms:
 *  - the cipher's `decryptMany` of the 100,000 stored values alone, no query: issue 12's "a 100,000-value
 *    decrypt" in its pure form, against the same probes with nothing else running ("without it");
 *  - a `findMany` of the same rows through the extension, against the plain findMany of the same rows
 *    (Prisma's own synchronous mapping of 33,334 rows, which no extension can slice: the floor).
 * Each sliced at every slice budget asked for (`--budgets 8,4,2,1`; default: field-crypto's SLICE_MS)
 * and not sliced (`withoutSlicing`, the baseline). Phases interleave round by round; latencies are pooled
 * per phase, and each round's p99 is kept for the spread. Then the throughput each budget costs:
 * `decryptMany` of the same values with no probes, wall and process CPU time, paired per round with
 * the unsliced run, and the CPU time of one yield (its cost over the budget is the share slicing takes).
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/find-unique-latency-bench.ts [--values N] [--rounds N] [--interval-ms N]
 *     [--budgets 8,4,2,1] [--throughput-rounds N]
 *
 * Target (issue 12): with slicing, the p99 during a 100,000-value decrypt stays within 2x of the p99
 * without it.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { PrismaPg } from '@prisma/adapter-pg';
import { createBlindIndexer, createIndexKey, generateLocalKey, loadIndexKeys, localAesKeyring, type FieldValue } from '@prisma-kms/field-crypto';
import { nextSlice, SLICE_MS, withSliceBudget } from '@prisma-kms/field-crypto/internal/slicing';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { compactUnderKeyStore } from './cipher-configurations';
import { positiveIntegerFlag, positiveNumberListFlag } from './flags';
import { startOpenLoopProbe } from './open-loop-probe';
import { withScratchDatabases } from './scratch-databases';
import { fixedWidthTable } from './table';
import { median, quantile } from './timing';

const ENCRYPTED = ['name', 'email', 'phone'] as const;
const SEED_CHUNK = 5000;
/** The shortest quiet phase (ms): enough probes for its p99 to mean something. */
const MIN_ALONE_MS = 1000;

export interface LatencyBenchOptions {
  /** Encrypted values the big reads decrypt (3 per row). Default 100,000. */
  values?: number;
  /** Rounds of every phase, interleaved, and of the throughput runs. Default 5. */
  rounds?: number;
  /** A findUnique starts every this many ms. Default 10. */
  intervalMs?: number;
  /** Slice budgets (ms) to run the sliced phases at. Default: field-crypto's SLICE_MS alone. */
  budgets?: readonly number[];
  /** Rounds of the throughput runs (no probes). Default: `rounds`. */
  throughputRounds?: number;
}

/** Yields timed back to back for {@link LatencyFigures.yieldCpuUs}. */
const TIMED_YIELDS = 20_000;

/** What runs while the probes do: nothing, the cipher alone, Prisma alone, or Prisma through the extension. */
export type BigRead = 'nothing' | 'decryptMany' | 'plain findMany' | 'findMany';

export interface PhaseFigures {
  read: BigRead;
  /** The slice budget (ms) the phase ran at, Infinity for not sliced; undefined where no batch of ours runs. */
  budget: number | undefined;
  /** findUnique latencies (ms), pooled over rounds. */
  latencies: number[];
  /** The p99 of each round alone, in round order: the spread of the pooled p99. */
  roundP99s: number[];
  /** Wall time (ms) of the big read of each round; empty for 'nothing'. */
  bigReadMs: number[];
}

export interface ThroughputFigures {
  /** The slice budget (ms), Infinity for not sliced. */
  budget: number;
  /** Wall and process CPU time (ms) of one `decryptMany` of every value with no probes, per round. */
  wallMs: number[];
  cpuMs: number[];
}

export interface LatencyFigures {
  values: number;
  rows: number;
  intervalMs: number;
  /** field-crypto's default slice budget (ms), the one the targets are read at. */
  defaultBudget: number;
  /** V8's young generation (new space) after the run, MB: its scavenges are the tail left with slicing. */
  youngGenerationMb: number;
  phases: PhaseFigures[];
  throughput: ThroughputFigures[];
  /**
   * Process CPU time (µs) of one yield between slices with nothing else to run, the median of the
   * throughput rounds: a batch sliced at B ms pays about this over B*1000 µs of its own time, whatever
   * its size, a figure the machine's load does not blur as much as the paired wall times.
   */
  yieldCpuUs: number;
}

/** The phases of one round, in the order they run: quiet first, then each big read at each budget and not sliced. */
function phasesFor(budgets: readonly number[]): Array<Pick<PhaseFigures, 'read' | 'budget'>> {
  const sliced = (read: BigRead) => [...budgets, Infinity].map((budget) => ({ read, budget }));
  return [{ read: 'nothing', budget: undefined }, ...sliced('decryptMany'), { read: 'plain findMany', budget: undefined }, ...sliced('findMany')];
}

/** Seeds the rows once, then runs every phase `rounds` times, interleaved, then the throughput rounds. */
export async function benchFindUniqueLatency(options: LatencyBenchOptions = {}): Promise<LatencyFigures> {
  const values = options.values ?? 100_000;
  const rounds = options.rounds ?? 5;
  const intervalMs = options.intervalMs ?? 10;
  const budgets = options.budgets ?? [SLICE_MS];
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
      // The stored values of the same rows, as the extension hands them to the cipher.
      const stored: FieldValue[] = (await database.user.findMany(everyone)).flatMap((user) =>
        ENCRYPTED.map((field) => ({ value: user[field] as string, field: { model: 'User', field } })),
      );
      if ((await cipher.decryptMany(stored))[0] !== 'name of user 0') throw new Error('decryptMany did not decrypt the seeded values');

      const probe = () => {
        const id = firstId + Math.floor(Math.random() * rows);
        return extended.user.findUnique({ where: { id }, select: { id: true, name: true, email: true, phone: true } }).then((user) => {
          if (user?.name !== `name of user ${id - firstId}`) throw new Error(`findUnique(${id}) did not decrypt`);
        });
      };
      const bigReads: Record<Exclude<BigRead, 'nothing'>, () => Promise<unknown>> = {
        decryptMany: () => cipher.decryptMany(stored),
        'plain findMany': () => database.user.findMany(everyone),
        findMany: () => extended.user.findMany(everyone),
      };
      const phases: PhaseFigures[] = phasesFor(budgets).map((spec) => ({ ...spec, latencies: [], roundP99s: [], bigReadMs: [] }));
      let aloneMs = MIN_ALONE_MS;
      for (let round = 0; round < rounds; round++) {
        for (const phase of phases) {
          const running = startOpenLoopProbe(probe, intervalMs);
          const started = performance.now();
          if (phase.read === 'nothing') await new Promise((resolve) => setTimeout(resolve, aloneMs));
          else if (phase.budget === undefined) await bigReads[phase.read]();
          else await withSliceBudget(phase.budget, bigReads[phase.read]);
          const elapsed = performance.now() - started;
          const latencies = await running.stop();
          phase.latencies.push(...latencies);
          phase.roundP99s.push(quantile(latencies, 0.99));
          if (phase.read !== 'nothing') phase.bigReadMs.push(elapsed);
          if (phase.read === 'findMany' && phase.budget === SLICE_MS) aloneMs = Math.max(MIN_ALONE_MS, elapsed); // next round's quiet phase as long as a big read
        }
      }

      // Throughput: the same decryptMany with nothing else running, budgets in an order that rotates each round.
      const throughput: ThroughputFigures[] = [Infinity, ...budgets].map((budget) => ({ budget, wallMs: [], cpuMs: [] }));
      const yieldCpuUs: number[] = [];
      for (let round = 0; round < (options.throughputRounds ?? rounds); round++) {
        const cpu = process.cpuUsage();
        for (let i = 0; i < TIMED_YIELDS; i++) await nextSlice();
        const used = process.cpuUsage(cpu);
        yieldCpuUs.push((used.user + used.system) / TIMED_YIELDS);
        for (let k = 0; k < throughput.length; k++) {
          const into = throughput[(round + k) % throughput.length] as ThroughputFigures;
          const cpu = process.cpuUsage();
          const started = performance.now();
          await withSliceBudget(into.budget, bigReads.decryptMany);
          into.wallMs.push(performance.now() - started);
          const used = process.cpuUsage(cpu);
          into.cpuMs.push((used.user + used.system) / 1000);
        }
      }
      return {
        values: rows * ENCRYPTED.length,
        rows,
        intervalMs,
        defaultBudget: SLICE_MS,
        youngGenerationMb: youngGenerationMb(),
        phases,
        throughput,
        yieldCpuUs: median(yieldCpuUs),
      };
    } finally {
      await database.$disconnect();
    }
  });
}

function budgetLabel(budget: number | undefined, defaultBudget: number): string {
  if (budget === undefined) return '';
  if (budget === Infinity) return ', not sliced';
  return `, ${budget} ms slices${budget === defaultBudget ? ' (default)' : ''}`;
}

function phaseLabel(phase: PhaseFigures, defaultBudget: number): string {
  const what = { nothing: 'alone', decryptMany: 'during decryptMany', 'plain findMany': 'during plain findMany', findMany: 'during our findMany' }[phase.read];
  return what + budgetLabel(phase.budget, defaultBudget);
}

/** `p99` over `base`'s pooled, and the range of the same quotient round by round. */
function versus(phase: PhaseFigures, base: PhaseFigures): { pooled: number; rounds: number[] } {
  return {
    pooled: quantile(phase.latencies, 0.99) / quantile(base.latencies, 0.99),
    rounds: phase.roundP99s.map((p99, round) => p99 / (base.roundP99s[round] as number)),
  };
}

const times = (ratio: number) => `${ratio.toFixed(2)}x`;
const range = (values: readonly number[], format: (value: number) => string) => `${format(Math.min(...values))}-${format(Math.max(...values))}`;

/**
 * The latency table (one line per phase: probes, p50, p99 pooled and the min-max of the per-round p99s,
 * max, the p99 over the quiet p99 and over the plain findMany's, the big read's median time), the two
 * readings of issue 12's target at the default budget, then the throughput table. Returns the text as well.
 *
 * @example
 * printLatencyTable(await benchFindUniqueLatency({ values: 10_000, budgets: [8, 2] }));
 */
export function printLatencyTable(figures: LatencyFigures, write: (text: string) => void = console.log): string {
  const { phases, defaultBudget } = figures;
  const alone = phases.find((p) => p.read === 'nothing') as PhaseFigures;
  const plain = phases.find((p) => p.read === 'plain findMany') as PhaseFigures;
  const header = ['findUnique', 'probes', 'p50 ms', 'p99 ms', 'p99 per round', 'max ms', 'p99 x alone', 'x plain findMany', 'big read ms'];
  const body = phases.map((phase) => [
    phaseLabel(phase, defaultBudget),
    String(phase.latencies.length),
    quantile(phase.latencies, 0.5).toFixed(1),
    quantile(phase.latencies, 0.99).toFixed(1),
    range(phase.roundP99s, (v) => v.toFixed(1)),
    Math.max(...phase.latencies).toFixed(1),
    times(versus(phase, alone).pooled),
    phase.read === 'findMany' ? times(versus(phase, plain).pooled) : '',
    phase.bigReadMs.length ? median(phase.bigReadMs).toFixed(0) : '',
  ]);
  const reading = (label: string, phase: PhaseFigures | undefined, base: PhaseFigures, baseLabel: string) => {
    if (!phase) return `${label}: no phase at the default budget`;
    const { pooled, rounds } = versus(phase, base);
    return `${label}: p99 ${quantile(phase.latencies, 0.99).toFixed(1)} ms = ${times(pooled)} ${baseLabel} (per round ${range(rounds, times)}, median ${times(median(rounds))}); target 2x: ${pooled <= 2 ? 'met' : 'not met'}`;
  };
  const atDefault = (read: BigRead) => phases.find((p) => p.read === read && p.budget === defaultBudget);
  const unsliced = figures.throughput.find((t) => t.budget === Infinity) as ThroughputFigures;
  const paired = (samples: readonly number[], base: readonly number[]) => median(samples.map((v, round) => v / (base[round] as number)));
  const throughputTable = fixedWidthTable(
    ['decryptMany, no probes', 'wall ms', 'CPU ms', 'wall x not sliced', 'CPU x not sliced', "yields' cost"],
    figures.throughput.map((t) => [
      t.budget === Infinity ? 'not sliced' : `${t.budget} ms slices${t.budget === defaultBudget ? ' (default)' : ''}`,
      median(t.wallMs).toFixed(0),
      median(t.cpuMs).toFixed(0),
      times(paired(t.wallMs, unsliced.wallMs)),
      times(paired(t.cpuMs, unsliced.cpuMs)),
      t.budget === Infinity ? '' : `${((100 * figures.yieldCpuUs) / (t.budget * 1000)).toFixed(2)}%`,
    ]),
  );
  const text = [
    fixedWidthTable(header, body),
    '',
    `Issue 12's target at the default budget (${defaultBudget} ms), pooled p99 over pooled p99:`,
    reading('(a) during decryptMany of the values alone vs the probes alone', atDefault('decryptMany'), alone, 'alone'),
    reading('(b) during our findMany vs during the plain findMany (Prisma\'s own floor)', atDefault('findMany'), plain, 'the plain findMany\'s'),
    `V8 young generation: ${figures.youngGenerationMb.toFixed(0)} MB (node's default grows to 32; \`node --max-semi-space-size=2\` keeps it at 4, see the README's latency section).`,
    '',
    `Throughput: decryptMany of the ${figures.values} values with nothing else running, medians of ${unsliced.wallMs.length} rounds, ratios paired per round:`,
    throughputTable,
    `A yield between slices costs ${figures.yieldCpuUs.toFixed(1)} µs of CPU with nothing else to run (median of ${figures.throughput[0]?.wallMs.length ?? 0} x ${TIMED_YIELDS}): "yields' cost" is that over the budget.`,
  ].join('\n');
  write(text);
  return text;
}

/** The size of V8's new space now (both semi-spaces), MB. */
function youngGenerationMb(): number {
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return (newSpace?.space_size ?? 0) / 2 ** 20;
}

if (require.main === module) {
  const options = {
    values: positiveIntegerFlag('values', 100_000),
    rounds: positiveIntegerFlag('rounds', 5),
    intervalMs: positiveIntegerFlag('interval-ms', 10),
    budgets: positiveNumberListFlag('budgets', [SLICE_MS]),
    throughputRounds: positiveIntegerFlag('throughput-rounds', positiveIntegerFlag('rounds', 5)),
  };
  benchFindUniqueLatency(options)
    .then((figures) => {
      console.log(`findUnique every ${figures.intervalMs} ms while ${figures.values} compact values (${figures.rows} rows) decrypt:`);
      printLatencyTable(figures);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
