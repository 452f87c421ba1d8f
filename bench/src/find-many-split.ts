/**
 * Where the time of a compact findMany goes (issue 12): 1,000 rows x 3 encrypted fields on PostgreSQL,
 * each layer timed on its own in interleaved rounds (a few runs in a row each), in CPU time (process.cpuUsage: on a shared machine
 * it moves far less than wall time) and wall time:
 *
 * - the plain query; the same query through a query extension that does nothing (Prisma's own cost of
 *   an extension); through fieldEncryption with a cipher that hands the stored values back (the walk and
 *   bookkeeping, no crypto); through fieldEncryption with the real compact cipher;
 * - the cipher's decryptMany of the same 3,000 values alone;
 * - the floor: bare node:crypto on values of the same sizes (base64 decode, createDecipheriv, setAAD,
 *   setAuthTag, update, final, UTF-8 decode), which no AES-GCM in JavaScript on one thread gets below.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/find-many-split.ts
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import { generateLocalKey, localAesKeyring, type FieldCipher } from '@prisma-kms/field-crypto';
import { COMPACT_HEADER_BYTES, COMPACT_IV_BYTES, COMPACT_TAG_BYTES, encodeCompact } from '@prisma-kms/field-crypto/internal/compact';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { compactUnderKeyStore } from './cipher-configurations';
import { withScratchDatabases } from './scratch-databases';
import { fixedWidthTable } from './table';
import { median, quantile } from './timing';

const ROWS = 1000;
const ROUNDS = 31;
const WARMUP = 3;
/**
 * Runs of a layer in a row within a round, timed together: the garbage collector runs when the young
 * generation fills, so one run of a layer may pay for the garbage of the layer before it. Over a few
 * runs in a row, each layer pays mostly for its own.
 */
const RUNS_IN_A_ROW = 4;
const ENCRYPTED = ['name', 'email', 'phone'] as const;
const QUERY = { select: { id: true, name: true, email: true, phone: true, role: true }, orderBy: { id: 'asc' as const } };
const valueOf = (field: (typeof ENCRYPTED)[number], i: number): string =>
  field === 'name' ? `Given Family ${i}` : field === 'email' ? `user${i}@example.com` : `+1 555 ${String(i).padStart(7, '0')}`;

/** CPU and wall milliseconds of each round of one layer. */
interface Samples {
  cpu: number[];
  wall: number[];
}

/**
 * Seeds 1,000 users in a scratch database, times every layer in interleaved rounds and prints the
 * table. Returns the samples by layer.
 *
 * @example
 * await benchFindManySplit();
 */
export async function benchFindManySplit(write: (text: string) => void = console.log): Promise<Record<string, Samples>> {
  return withScratchDatabases(1, async ([url]) => {
    const database = new PrismaClient({ adapter: new PrismaPg({ connectionString: url as string }) });
    try {
      await database.$executeRawUnsafe(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
      const cipher = await compactUnderKeyStore({ keyring: localAesKeyring({ key: generateLocalKey() }), database });
      await seed(database, cipher);
      const stored = await database.user.findMany(QUERY);
      const items = stored.flatMap((row) => ENCRYPTED.map((field) => ({ value: row[field] as string, field: { model: 'User', field } })));
      const identity = { encryptMany: cipher.encryptMany, inspect: cipher.inspect, decryptMany: (values: readonly { value: string }[]) => Promise.resolve(values.map((item) => item.value)) };
      const noCrypto = database.$extends(fieldEncryption({ fields: fieldMap, cipher: identity }));
      const extended = database.$extends(fieldEncryption({ fields: fieldMap, cipher }));
      const noop = database.$extends({ query: { $allModels: { $allOperations: ({ args, query }) => query(args) } } });
      const floor = bareDecrypt(stored.flatMap((row) => ENCRYPTED.map((field) => (row[field] as string).length)));
      const layers: Record<string, () => unknown> = {
        'plain query': () => database.user.findMany(QUERY),
        'no-op query extension': () => noop.user.findMany(QUERY),
        'fieldEncryption, identity cipher (walk, no crypto)': () => noCrypto.user.findMany(QUERY),
        'fieldEncryption, compact cipher': () => extended.user.findMany(QUERY),
        'decryptMany of the 3,000 values alone': () => cipher.decryptMany(items),
        'floor: bare node:crypto, 3,000 values': floor,
      };
      const samples = await timeLayers(layers);
      write(splitTable(samples));
      return samples;
    } finally {
      await database.$disconnect();
    }
  });
}

async function seed(database: PrismaClient, cipher: FieldCipher): Promise<void> {
  const users = Array.from({ length: ROWS }, (_, i) => ({ name: valueOf('name', i), email: valueOf('email', i), phone: valueOf('phone', i) }));
  const [names, emails, phones] = (await Promise.all(
    ENCRYPTED.map((field) => cipher.encryptMany(users.map((user) => ({ value: user[field], field: { model: 'User', field } })))),
  )) as [string[], string[], string[]];
  await database.user.createMany({ data: names.map((name, i) => ({ name, email: emails[i] as string, phone: phones[i] as string })) });
}

/** The floor: values of the given base64 lengths under one fresh key, decrypted with nothing around node:crypto. */
function bareDecrypt(base64Lengths: readonly number[]): () => void {
  const key = randomBytes(32);
  const values = base64Lengths.map((length) => encodeCompact(key, 1, randomBytes((length / 4) * 3 - 33 - 2)).toString('base64'));
  const ivEnd = COMPACT_HEADER_BYTES + COMPACT_IV_BYTES;
  return () => {
    for (const value of values) {
      const bytes = Buffer.from(value, 'base64');
      const tagStart = bytes.length - COMPACT_TAG_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(COMPACT_HEADER_BYTES, ivEnd), { authTagLength: COMPACT_TAG_BYTES });
      decipher.setAAD(bytes.subarray(0, COMPACT_HEADER_BYTES));
      decipher.setAuthTag(bytes.subarray(tagStart));
      const plaintext = decipher.update(bytes.subarray(ivEnd, tagStart));
      decipher.final();
      plaintext.toString('utf8');
    }
  };
}

/** Each layer {@link RUNS_IN_A_ROW} times per round, in turn, after a few warm-up rounds; milliseconds per run. */
async function timeLayers(layers: Record<string, () => unknown>): Promise<Record<string, Samples>> {
  const samples: Record<string, Samples> = Object.fromEntries(Object.keys(layers).map((name) => [name, { cpu: [], wall: [] }]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const [name, run] of Object.entries(layers)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < RUNS_IN_A_ROW; i++) await run();
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      if (round < WARMUP) continue;
      samples[name]!.cpu.push((used.user + used.system) / 1000 / RUNS_IN_A_ROW);
      samples[name]!.wall.push(wall / RUNS_IN_A_ROW);
    }
  }
  return samples;
}

/** Median and interquartile range of CPU and wall time per layer, then the differences that isolate each part. */
function splitTable(samples: Record<string, Samples>): string {
  const spread = (values: number[]) => `${median(values).toFixed(1)} (${quantile(values, 0.25).toFixed(1)}-${quantile(values, 0.75).toFixed(1)})`;
  const rows = Object.entries(samples).map(([name, { cpu, wall }]) => [name, spread(cpu), spread(wall)]);
  const cpu = (name: string) => median(samples[name]?.cpu ?? []);
  const parts = [
    ['Prisma: plain query', cpu('plain query')],
    ["Prisma's cost of a query extension", cpu('no-op query extension') - cpu('plain query')],
    ["fieldEncryption's walk and bookkeeping", cpu('fieldEncryption, identity cipher (walk, no crypto)') - cpu('no-op query extension')],
    ['crypto inside the findMany', cpu('fieldEncryption, compact cipher') - cpu('fieldEncryption, identity cipher (walk, no crypto)')],
    ["decryptMany's own cost over the bare floor", cpu('decryptMany of the 3,000 values alone') - cpu('floor: bare node:crypto, 3,000 values')],
  ] as const;
  return [
    fixedWidthTable(['layer (1,000 rows x 3 compact values)', 'CPU ms median (p25-p75)', 'wall ms median (p25-p75)'], rows),
    'Differences of CPU medians:',
    ...parts.map(([part, ms]) => `  ${part}: ${ms.toFixed(1)} ms`),
  ].join('\n');
}

if (require.main === module) {
  benchFindManySplit().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
