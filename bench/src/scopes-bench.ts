/**
 * Key scopes at scale (issue 13): one key for all, one key per tenant, one key per user, each over
 * the same users on its own PostgreSQL database, with the real key store (prismaKeyStorage on the
 * shared schema's PrismaKmsKey) and a KMS keyring talking HTTP to kms-local. For each choice:
 * key-store rows and bytes, KMS calls (kms-local's counters) to create the keys, to read N random
 * rows through a cold key cache and again warm, the time of those reads and the p50/p99 of single-row
 * reads that meet a cold or a warm key; then the memory of one cached key version. Read rounds are
 * interleaved across the choices, as the other benches do.
 *
 *   pnpm bench:scopes [--scopes 100000] [--tenants 1000] [--read-rows 1000] [--rounds 7] [--latency-reads 50] [--memory-entries 10000]
 *
 * KMS call counts are the portable figure; kms-local answers in well under a millisecond, AWS KMS
 * does not. docs/keys.md extrapolates the counts with AWS's published quotas and prices (./kms-cost.ts).
 */
import { readFileSync } from 'node:fs';
import type { KeyringNode } from '@aws-crypto/client-node';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import {
  createBlindIndexer,
  createFieldCipher,
  createIndexKey,
  createKeyStore,
  DEFAULT_KEY_CACHE_LIMITS,
  keyStoreAdmin,
  kmsKeyring,
  loadIndexKeys,
  localAesKeyring,
  generateLocalKey,
  type BlindIndexer,
} from '@prisma-kms/field-crypto';
import { startKmsLocal, type KmsLocal } from '@prisma-kms/kms-local';
import { fieldEncryption, prismaKeyStorage } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { positiveIntegerFlag } from './flags';
import { keyStoreSize, type KeyStoreSize } from './key-store-size';
import { retainedMemory } from './retained-memory';
import { printScopesTables } from './scopes-table';
import { withScratchDatabases } from './scratch-databases';
import { quantile, timingOf, type Timing } from './timing';

/** Sizes of one run. */
export interface ScopesBenchOptions {
  /** Users (rows of each choice's table), and the scopes of "one key per user". */
  readonly users: number;
  /** Scopes of "one key per tenant"; user u belongs to tenant u mod tenants. */
  readonly tenants: number;
  /** Random users read by one findMany, through a cold key cache and again warm. */
  readonly readRows: number;
  /** Interleaved rounds of the read measurements. */
  readonly rounds: number;
  /** Single-row reads per round and choice, for the cold and warm latency percentiles. */
  readonly latencyReads: number;
  /** Key versions loaded into one cache for the memory figure (at most `users`). */
  readonly memoryEntries: number;
}

export const DEFAULT_SCOPES_BENCH_OPTIONS: ScopesBenchOptions = Object.freeze({
  users: 100_000,
  tenants: 1000,
  readRows: 1000,
  rounds: 7,
  latencyReads: 50,
  memoryEntries: 10_000,
});

/** KMS requests by operation, from kms-local's counters. */
export interface KmsCalls {
  readonly GenerateDataKey: number;
  readonly Encrypt: number;
  readonly Decrypt: number;
}

/** One findMany of `readRows` random users: the key versions it needed, the KMS calls it made, its time. */
export interface ReadSample {
  readonly distinctScopes: number;
  readonly coldDecrypts: number;
  readonly warmDecrypts: number;
  readonly coldMs: number;
  readonly warmMs: number;
}

/** Percentiles of single-row reads (findUnique through the extension), in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

/** Everything measured for one key choice. */
export interface KeyChoiceFigures {
  readonly label: string;
  /** Scopes the choice's writes used (1 for one key for all). */
  readonly scopes: number;
  readonly keyStore: KeyStoreSize;
  /** KMS requests made while writing every user for the first time (creating every key). */
  readonly creationCalls: KmsCalls;
  readonly creationSeconds: number;
  /** One per round. */
  readonly reads: ReadSample[];
  readonly coldRead: Timing;
  readonly warmRead: Timing;
  /** Single-row reads whose key version had to be loaded (a storage read and a KMS Decrypt). */
  readonly coldRowLatency: LatencySummary;
  /** Single-row reads whose key version was cached. */
  readonly warmRowLatency: LatencySummary;
}

/** The memory of cached key versions, measured on "one key per user". */
export interface CacheMemory {
  /** Key versions loaded (each with the derived keys of the two fields read). */
  readonly entries: number;
  readonly heapBytesPerEntry: number;
  readonly externalBytesPerEntry: number;
  /** KMS Decrypt calls made to load them: one per entry. */
  readonly decrypts: number;
  /** The key store's default bound and TTL, which the figure is read against. */
  readonly defaultMaxEntries: number;
  readonly defaultTtlMs: number;
}

export interface ScopesFigures {
  readonly options: ScopesBenchOptions;
  readonly choices: KeyChoiceFigures[];
  readonly memory: CacheMemory;
}

/** How a choice assigns users to scopes (`undefined`: the application's own key). */
interface KeyChoice {
  readonly label: string;
  scopeOf(user: number): string | undefined;
}

const KEY_STORE = 'bench';
const KMS_DEADLINE_MS = 120_000;
/**
 * Users written per encryptMany + createMany. Each new scope in a batch is a concurrent GenerateDataKey
 * (the cipher does not bound them): 500 at once outran kms-local's 5 s request deadline on 2 busy cores.
 */
const SEED_BATCH = 100;
/** Users decrypted per decryptMany in the memory figure (below the default maxEntries). */
const MEMORY_BATCH = 1000;
const SELECT = { id: true, name: true, email: true } as const;
const nameOf = (user: number) => `Given Family ${user}`;
const emailOf = (user: number) => `user${user}@example.com`;

/** The three choices, for `options`. */
export function keyChoices(options: Pick<ScopesBenchOptions, 'users' | 'tenants'>): KeyChoice[] {
  return [
    { label: 'one key for all', scopeOf: () => undefined },
    { label: `one key per tenant (${options.tenants})`, scopeOf: (user) => `tenant-${user % options.tenants}` },
    { label: `one key per user (${options.users})`, scopeOf: (user) => `user-${user}` },
  ];
}

/** One choice's database, clients and writer state during a run. */
interface Contestant {
  readonly choice: KeyChoice;
  readonly url: string;
  readonly database: PrismaClient;
  readonly creationCalls: KmsCalls;
  readonly creationSeconds: number;
  readonly reads: ReadSample[];
  readonly coldRows: number[];
  readonly warmRows: number[];
}

/**
 * Runs the benchmark: seeds each choice's database (creating its keys on first write), then reads in
 * interleaved rounds, then measures the cache's memory. Scratch databases are dropped afterwards.
 *
 * @example
 * const figures = await benchScopes({ ...DEFAULT_SCOPES_BENCH_OPTIONS, users: 10_000 });
 */
export async function benchScopes(options: ScopesBenchOptions = DEFAULT_SCOPES_BENCH_OPTIONS): Promise<ScopesFigures> {
  const choices = keyChoices(options);
  const kms = await startKmsLocal({ quiet: true });
  try {
    const { arn } = await kms.createKey({ alias: 'alias/bench-scopes' });
    // kms-local answers in this process, on the same 2 shared cores: a cold read across 1,000 scopes queues
    // 1,000 Decrypts behind the SDK's 50 sockets, and the default 5 s deadline would time the machine's load.
    const keyring = () => kmsKeyring({ generatorKeyId: arn, ...kms.clientConfig(), requestTimeoutMs: KMS_DEADLINE_MS });
    const blindIndexer = await localBlindIndexer();
    return await withScratchDatabases(choices.length, async (urls) => {
      const contestants: Contestant[] = [];
      try {
        for (const [i, choice] of choices.entries()) {
          const url = urls[i] as string;
          const database = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
          const seeded = await seed(database, url, choice, options.users, kms, keyring);
          contestants.push({ choice, url, database, ...seeded, reads: [], coldRows: [], warmRows: [] });
        }
        const reader = (database: PrismaClient, maxEntries?: number) => openReader(database, keyring(), blindIndexer, maxEntries);
        for (let round = 0; round < options.rounds; round++) {
          const batch = randomUsers(options.users, options.readRows);
          const singles = randomUsers(options.users, options.latencyReads);
          for (const contestant of contestants) {
            contestant.reads.push(await readBatch(reader(contestant.database), contestant.choice, batch, kms));
            await readSingles(reader(contestant.database), singles, contestant);
          }
        }
        const perUser = contestants[contestants.length - 1] as Contestant;
        const memory = await measureCacheMemory(perUser.database, Math.min(options.memoryEntries, options.users), kms, reader);
        const figures: KeyChoiceFigures[] = [];
        for (const contestant of contestants) figures.push(await summarise(contestant, options));
        return { options, choices: figures, memory };
      } finally {
        for (const contestant of contestants) await contestant.database.$disconnect();
      }
    });
  } finally {
    await kms.close();
  }
}

/**
 * Creates the schema and writes every user with `name` and `email` encrypted under the user's scope,
 * as an application's first writes would: the scope's key is created on its first write. The
 * application's own key (no scope) is created ahead by the control plane, as `prisma-kms keys create` does.
 */
async function seed(
  database: PrismaClient,
  url: string,
  choice: KeyChoice,
  users: number,
  kms: KmsLocal,
  keyring: () => KeyringNode,
): Promise<{ creationCalls: KmsCalls; creationSeconds: number }> {
  await database.$executeRawUnsafe(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
  const storage = prismaKeyStorage(database.prismaKmsKey);
  const before = kms.calls();
  const started = process.hrtime.bigint();
  if (choice.scopeOf(0) === undefined) await keyStoreAdmin({ name: KEY_STORE, storage, keyring: keyring() }).createKeyVersion();
  const writer = createFieldCipher({
    keyStore: createKeyStore({ name: KEY_STORE, storage, keyring: keyring(), scopes: { createKeys: 'on-first-write' } }),
  });
  for (let first = 0; first < users; first += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, users - first) }, (_, i) => first + i);
    const encrypted = await writer.encryptMany(
      batch.flatMap((user) => {
        const scope = choice.scopeOf(user); // undefined: the application's key
        return [
          { value: nameOf(user), field: { model: 'User', field: 'name' }, scope },
          { value: emailOf(user), field: { model: 'User', field: 'email' }, scope },
        ];
      }),
    );
    await database.user.createMany({
      data: batch.map((user, i) => ({ id: user + 1, name: encrypted[2 * i] as string, email: encrypted[2 * i + 1] as string })),
    });
  }
  const creationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await vacuum(url);
  return { creationCalls: callsSince(kms, before), creationSeconds };
}

/** One findMany of `users` through a fresh reader (an empty key cache, as a new process has), then again warm. */
async function readBatch(reader: Reader, choice: KeyChoice, users: readonly number[], kms: KmsLocal): Promise<ReadSample> {
  const query = { where: { id: { in: users.map((user) => user + 1) } }, select: SELECT };
  const beforeCold = kms.calls();
  const coldStarted = process.hrtime.bigint();
  const cold = await reader.client.user.findMany(query);
  const coldMs = Number(process.hrtime.bigint() - coldStarted) / 1e6;
  const beforeWarm = kms.calls();
  const warmStarted = process.hrtime.bigint();
  const warm = await reader.client.user.findMany(query);
  const warmMs = Number(process.hrtime.bigint() - warmStarted) / 1e6;
  for (const rows of [cold, warm]) checkDecrypted(rows, users.length);
  return {
    distinctScopes: new Set(users.map((user) => choice.scopeOf(user) ?? '')).size,
    coldDecrypts: callsSince(kms, beforeCold).Decrypt,
    warmDecrypts: callsSince(kms, beforeWarm).Decrypt,
    coldMs,
    warmMs,
  };
}

/**
 * Reads `users` one findUnique at a time through a fresh reader, then the same users again: a read
 * counts as cold when the key store unwrapped a key version during it, else as warm.
 */
async function readSingles(reader: Reader, users: readonly number[], contestant: Contestant): Promise<void> {
  for (const user of [...users, ...users]) {
    const unwrapsBefore = reader.keyStore.stats.keyUnwraps;
    const started = process.hrtime.bigint();
    const row = await reader.client.user.findUnique({ where: { id: user + 1 }, select: SELECT });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (row?.name !== nameOf(user)) throw new Error(`user ${user} did not decrypt`);
    (reader.keyStore.stats.keyUnwraps > unwrapsBefore ? contestant.coldRows : contestant.warmRows).push(ms);
  }
}

/**
 * A reader as a new process has one: its own key store (an empty cache with the default limits, or
 * `maxEntries`), cipher and extended client over the choice's database.
 */
function openReader(database: PrismaClient, keyring: KeyringNode, blindIndexer: BlindIndexer, maxEntries?: number) {
  const keyStore = createKeyStore({
    name: KEY_STORE,
    storage: prismaKeyStorage(database.prismaKmsKey),
    keyring,
    ...(maxEntries === undefined ? {} : { cache: { maxEntries } }),
  });
  const cipher = createFieldCipher({ keyStore });
  return { keyStore, cipher, client: database.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer })) };
}

type Reader = ReturnType<typeof openReader>;

/**
 * Loads `entries` key versions of "one key per user" into one cache (its bound raised to hold them
 * all) by decrypting those users' stored values, and reports the memory the cache retains per entry.
 * The stored values are read before the first measurement, so only the cache is counted.
 */
async function measureCacheMemory(
  database: PrismaClient,
  entries: number,
  kms: KmsLocal,
  reader: (database: PrismaClient, maxEntries?: number) => Reader,
): Promise<CacheMemory> {
  const stored = await database.user.findMany({ where: { id: { lte: entries } }, select: SELECT, orderBy: { id: 'asc' } });
  const items = stored.flatMap((row) => [
    { value: row.name, field: { model: 'User', field: 'name' } },
    { value: row.email, field: { model: 'User', field: 'email' } },
  ]);
  const before = kms.calls();
  const { value: held, heapBytes, externalBytes } = await retainedMemory(async () => {
    const { keyStore, cipher } = reader(database, entries);
    for (let first = 0; first < items.length; first += 2 * MEMORY_BATCH) await cipher.decryptMany(items.slice(first, first + 2 * MEMORY_BATCH));
    return keyStore;
  });
  if (held.stats.keyUnwraps !== entries) throw new Error(`expected ${entries} key versions loaded, got ${held.stats.keyUnwraps}`);
  held.clear();
  return {
    entries,
    heapBytesPerEntry: heapBytes / entries,
    externalBytesPerEntry: externalBytes / entries,
    decrypts: callsSince(kms, before).Decrypt,
    defaultMaxEntries: DEFAULT_KEY_CACHE_LIMITS.maxEntries,
    defaultTtlMs: DEFAULT_KEY_CACHE_LIMITS.ttlMs,
  };
}

async function summarise(contestant: Contestant, options: ScopesBenchOptions): Promise<KeyChoiceFigures> {
  const keyStore = await keyStoreSize(contestant.url, KEY_STORE);
  return {
    label: contestant.choice.label,
    scopes: new Set(Array.from({ length: options.users }, (_, user) => contestant.choice.scopeOf(user) ?? '')).size,
    keyStore,
    creationCalls: contestant.creationCalls,
    creationSeconds: contestant.creationSeconds,
    reads: contestant.reads,
    coldRead: timingOf(contestant.reads.map((read) => read.coldMs)),
    warmRead: timingOf(contestant.reads.map((read) => read.warmMs)),
    coldRowLatency: latency(contestant.coldRows),
    warmRowLatency: latency(contestant.warmRows),
  };
}

function latency(samples: readonly number[]): LatencySummary {
  return { count: samples.length, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** `count` distinct users of `0..users-1`, in random order. */
function randomUsers(users: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, users)) picked.add(Math.floor(Math.random() * users));
  return [...picked];
}

function checkDecrypted(rows: ReadonlyArray<{ id: number; name: string; email: string }>, expected: number): void {
  if (rows.length !== expected) throw new Error(`read ${rows.length} rows, expected ${expected}`);
  for (const row of rows) {
    if (row.name !== nameOf(row.id - 1) || row.email !== emailOf(row.id - 1)) throw new Error(`user ${row.id - 1} did not decrypt`);
  }
}

function callsSince(kms: KmsLocal, before: Readonly<Record<string, number>>): KmsCalls {
  const now = kms.calls();
  const delta = (operation: keyof KmsCalls) => (now[operation] ?? 0) - (before[operation] ?? 0);
  return { GenerateDataKey: delta('GenerateDataKey'), Encrypt: delta('Encrypt'), Decrypt: delta('Decrypt') };
}

/** The blind indexer the extension is configured with (User.email has one); reads here never use it. */
async function localBlindIndexer(): Promise<BlindIndexer> {
  const keyring = localAesKeyring({ key: generateLocalKey() });
  return createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
}

/** Fresh statistics and no dead tuples, so table sizes and read plans do not depend on autovacuum's timing. */
async function vacuum(url: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query('VACUUM ANALYZE');
  } finally {
    await db.end();
  }
}

/** The options of `pnpm bench:scopes`, from the command line over the defaults. */
export function scopesBenchOptionsFromArgs(argv: readonly string[] = process.argv): ScopesBenchOptions {
  const d = DEFAULT_SCOPES_BENCH_OPTIONS;
  return {
    users: positiveIntegerFlag('scopes', d.users, argv),
    tenants: positiveIntegerFlag('tenants', d.tenants, argv),
    readRows: positiveIntegerFlag('read-rows', d.readRows, argv),
    rounds: positiveIntegerFlag('rounds', d.rounds, argv),
    latencyReads: positiveIntegerFlag('latency-reads', d.latencyReads, argv),
    memoryEntries: positiveIntegerFlag('memory-entries', d.memoryEntries, argv),
  };
}

if (require.main === module) {
  benchScopes(scopesBenchOptionsFromArgs())
    .then((figures) => printScopesTables(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
