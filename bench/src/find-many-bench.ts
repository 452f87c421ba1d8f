/**
 * findMany of 1,000 rows x 3 encrypted fields on PostgreSQL, in one process and interleaved round by
 * round: prisma-field-encryption (Prisma 6, the peer) and each prisma-kms cipher configuration
 * (Prisma 7), each next to the plain query over its own rows, plus each cipher's decryptMany of the
 * same 3,000 values alone, so the extension's own cost (walk + bookkeeping) reads as a share of its
 * crypto. Also writes one 9-byte value through each extension and reads back how many characters the
 * database stores.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/find-many-bench.ts
 */
import { readFileSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  createBlindIndexer,
  createIndexKey,
  generateLocalKey,
  loadIndexKeys,
  localAesKeyring,
  type FieldCipher,
} from '@prisma-kms/field-crypto';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { connectPfe, PFE_USER_TABLE_SQL, type PfeClients } from '@prisma-kms/bench-peer-pfe';
import { printFindManyTable } from './find-many-table';
import { CIPHER_CONFIGURATIONS, type CipherConfiguration } from './cipher-configurations';
import { withScratchDatabases } from './scratch-databases';
import { timeInterleaved, type Timing } from './timing';

const ROWS = 1000;
const ROUNDS = 31;
/** The plaintext whose stored size is reported: 9 bytes, a phone number without separators. */
export const STORED_SIZE_SAMPLE = '+15550100';
export const PEER_LABEL = 'prisma-field-encryption 1.6 (Prisma 6)';

export interface FindManyPath {
  label: string;
  timing: Timing;
  /** The label of the plain query over the same rows with the same client: the "x plain" ratio divides by it. */
  plainLabel?: string;
  /** The label of the same cipher's decryptMany of the same values alone: the crypto inside this path. */
  cryptoLabel?: string;
  /** Characters the database stores for {@link STORED_SIZE_SAMPLE} written through this path. */
  storedChars?: number;
}

export interface FindManyFigures {
  rows: number;
  fields: number;
  /** The label of the peer's path: the "x peer" ratio divides by it. */
  peerLabel: string;
  /** In the order they ran within each round. */
  paths: FindManyPath[];
}

const ENCRYPTED = ['name', 'email', 'phone'] as const;
const QUERY = {
  select: { id: true, name: true, email: true, phone: true, role: true },
  orderBy: { id: 'asc' as const },
};
const valueOf = (field: (typeof ENCRYPTED)[number], i: number): string =>
  field === 'name' ? `Given Family ${i}` : field === 'email' ? `user${i}@example.com` : `+1 555 ${String(i).padStart(7, '0')}`;

/** One timed operation and what it is compared with. */
interface Contestant {
  path: Omit<FindManyPath, 'timing'>;
  run: () => Promise<unknown>;
  /** Writes {@link STORED_SIZE_SAMPLE} through the path and returns the stored string's length. */
  storedSize?: () => Promise<number>;
}

/**
 * Seeds one database per contestant (the peer's and one per cipher configuration) with the same
 * 1,000 users, times them all in interleaved rounds, measures stored sizes, drops the databases.
 */
export async function benchFindMany(configurations: readonly CipherConfiguration[] = CIPHER_CONFIGURATIONS): Promise<FindManyFigures> {
  return withScratchDatabases(1 + configurations.length, async ([peerUrl, ...urls]) => {
    const disconnects: Array<() => Promise<void>> = [];
    try {
      const pfe = await connectPfe(peerUrl as string);
      disconnects.push(() => pfe.plain.$disconnect());
      const contestants = [await peerContestants(pfe)];
      for (const [i, configuration] of configurations.entries()) {
        const database = new PrismaClient({ adapter: new PrismaPg({ connectionString: urls[i] as string }) });
        disconnects.push(() => database.$disconnect());
        contestants.push(await prismaKmsContestants(configuration, database));
      }
      const all = contestants.flat();
      const timings = await timeInterleaved(Object.fromEntries(all.map((c) => [c.path.label, c.run])), ROUNDS);
      const paths: FindManyPath[] = [];
      for (const contestant of all) {
        const storedChars = contestant.storedSize ? await contestant.storedSize() : undefined;
        paths.push({ ...contestant.path, timing: timings[contestant.path.label] as Timing, ...(storedChars === undefined ? {} : { storedChars }) });
      }
      return { rows: ROWS, fields: ENCRYPTED.length, peerLabel: PEER_LABEL, paths };
    } finally {
      for (const disconnect of disconnects) await disconnect();
    }
  });
}

/** The peer: its plain query and its findMany, on rows written through its extension. */
async function peerContestants(pfe: PfeClients): Promise<Contestant[]> {
  await pfe.plain.$executeRawUnsafe(PFE_USER_TABLE_SQL);
  await pfe.encrypted.user.createMany({ data: seedUsers() });
  const stored = await pfe.plain.user.findFirstOrThrow({ where: { id: 1 } });
  const check = await pfe.encrypted.user.findMany(QUERY);
  if (stored.email === valueOf('email', 0) || check.length !== ROWS || check[0]?.email !== valueOf('email', 0)) {
    throw new Error('prisma-field-encryption did not encrypt and decrypt the seeded users');
  }
  const plainLabel = 'plain query (Prisma 6, its rows)';
  return [
    { path: { label: plainLabel }, run: () => pfe.plain.user.findMany(QUERY) },
    {
      path: { label: PEER_LABEL, plainLabel },
      run: () => pfe.encrypted.user.findMany(QUERY),
      storedSize: async () => {
        const { id } = await pfe.encrypted.user.create({ data: { name: 'Probe', email: 'probe@example.com', phone: STORED_SIZE_SAMPLE } });
        const probe = await pfe.plain.user.findUniqueOrThrow({ where: { id } });
        return storedLength(probe.phone);
      },
    },
  ];
}

/** One prisma-kms configuration: its plain query, its findMany, and its decryptMany of the same values. */
async function prismaKmsContestants(configuration: CipherConfiguration, database: PrismaClient): Promise<Contestant[]> {
  await database.$executeRawUnsafe(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
  const keyring = localAesKeyring({ key: generateLocalKey() });
  const cipher = await configuration.create({ keyring, database });
  const blindIndexer = createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
  await seedEncryptedUsers(database, cipher);
  const extended = database.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer }));
  const stored = await database.user.findMany(QUERY);
  const items = stored.flatMap((row) => ENCRYPTED.map((field) => ({ value: row[field] as string, field: { model: 'User', field } })));
  const check = await extended.user.findMany(QUERY);
  if (check.length !== ROWS || check[0]?.email !== valueOf('email', 0)) throw new Error(`${configuration.label} did not decrypt`);

  const plainLabel = `plain query (Prisma 7, ${configuration.label} rows)`;
  const cryptoLabel = `${configuration.label}: decryptMany of the same values alone`;
  return [
    { path: { label: plainLabel }, run: () => database.user.findMany(QUERY) },
    {
      path: { label: configuration.label, plainLabel, cryptoLabel },
      run: () => extended.user.findMany(QUERY),
      storedSize: async () => {
        const { id } = await extended.user.create({ data: { name: 'Probe', email: 'probe@example.com', phone: STORED_SIZE_SAMPLE } });
        const probe = await database.user.findUniqueOrThrow({ where: { id } });
        return storedLength(probe.phone);
      },
    },
    { path: { label: cryptoLabel }, run: () => cipher.decryptMany(items) },
  ];
}

function seedUsers(): Array<{ name: string; email: string; phone: string }> {
  return Array.from({ length: ROWS }, (_, i) => ({ name: valueOf('name', i), email: valueOf('email', i), phone: valueOf('phone', i) }));
}

/** 1,000 users whose three encrypted fields hold `cipher`'s values, written without the extension. */
async function seedEncryptedUsers(database: PrismaClient, cipher: FieldCipher): Promise<void> {
  const users = seedUsers();
  const columns = await Promise.all(
    ENCRYPTED.map((field) => cipher.encryptMany(users.map((user) => ({ value: user[field], field: { model: 'User', field } })))),
  );
  const [names, emails, phones] = columns as [string[], string[], string[]];
  await database.user.createMany({ data: names.map((name, i) => ({ name, email: emails[i] as string, phone: phones[i] as string })) });
}

function storedLength(value: string | null): number {
  if (value === null || value === STORED_SIZE_SAMPLE) throw new Error('the size probe was not stored encrypted');
  return value.length;
}

if (require.main === module) {
  benchFindMany()
    .then((figures) => printFindManyTable(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
