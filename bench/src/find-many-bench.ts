/**
 * findMany of 1,000 rows x 3 encrypted fields on PostgreSQL, through the extension and without it, in
 * the same process and on the same table. Also times the cipher's decryptMany of the same 3,000 values
 * alone, so the extension's own cost (walk + bookkeeping) reads as a share of its crypto.
 *
 *   pnpm --filter @prisma-kms/bench exec tsx src/find-many-bench.ts
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import {
  createBlindIndexer,
  createFieldCipher,
  createIndexKey,
  generateLocalKey,
  loadIndexKeys,
  localAesKeyring,
  type FieldCipher,
} from '@prisma-kms/field-crypto';
import { fieldEncryption } from '@prisma-kms/prisma';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
import { fieldMap } from '@prisma-kms/schema/postgresql/fields';
import { medianMsInterleaved } from './timing';

const PG_URL = process.env.PKMS_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROWS = 1000;
const ROUNDS = 31;

export interface FindManyFigures {
  rows: number;
  fields: number;
  plainMs: number;
  extensionMs: number;
  decryptManyMs: number;
  /** extension / plain. */
  ratio: number;
  /** (extension - plain - decryptMany) / decryptMany: the walk and bookkeeping over the crypto. */
  overheadOverCrypto: number;
}

/** Seeds a fresh database with 1,000 users (name, email, phone encrypted), measures, drops it. */
export async function benchFindMany(): Promise<FindManyFigures> {
  const database = `pkms_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.toString() }) });
  try {
    await plain.$executeRawUnsafe(readFileSync(require.resolve('@prisma-kms/schema/sql/postgresql'), 'utf8'));
    const keyring = localAesKeyring({ key: generateLocalKey() });
    const cipher = createFieldCipher({ keyring });
    const blindIndexer = createBlindIndexer(await loadIndexKeys(keyring, [await createIndexKey(keyring, { version: 1 })]));
    await seedEncryptedUsers(plain, cipher);
    const extended = plain.$extends(fieldEncryption({ fields: fieldMap, cipher, blindIndexer }));
    const query = { select: { id: true, name: true, email: true, phone: true, role: true }, orderBy: { id: 'asc' as const } };
    const stored = await plain.user.findMany(query);
    const items = stored.flatMap((row) =>
      ENCRYPTED.map((field) => ({ value: row[field] as string, field: { model: 'User', field } })),
    );
    const check = await extended.user.findMany(query);
    if (check.length !== ROWS || check[0]?.email !== valueOf('email', 0)) throw new Error('extension did not decrypt');

    const { plainMs, extensionMs, decryptManyMs } = await medianMsInterleaved(
      {
        plainMs: () => plain.user.findMany(query),
        extensionMs: () => extended.user.findMany(query),
        decryptManyMs: () => cipher.decryptMany(items),
      },
      ROUNDS,
    );
    return {
      rows: ROWS,
      fields: items.length / ROWS,
      plainMs,
      extensionMs,
      decryptManyMs,
      ratio: extensionMs / plainMs,
      overheadOverCrypto: (extensionMs - plainMs - decryptManyMs) / decryptManyMs,
    };
  } finally {
    await plain.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

const ENCRYPTED = ['name', 'email', 'phone'] as const;
const valueOf = (field: (typeof ENCRYPTED)[number], i: number): string =>
  field === 'name' ? `Given Family ${i}` : field === 'email' ? `user${i}@example.com` : `+1 555 ${String(i).padStart(7, '0')}`;

/** 1,000 users whose three encrypted fields hold real messages, written without the extension. */
async function seedEncryptedUsers(plain: InstanceType<typeof PrismaClient>, cipher: FieldCipher): Promise<void> {
  const columns = await Promise.all(
    ENCRYPTED.map((field) =>
      cipher.encryptMany(Array.from({ length: ROWS }, (_, i) => ({ value: valueOf(field, i), field: { model: 'User', field } }))),
    ),
  );
  const [names, emails, phones] = columns as [string[], string[], string[]];
  await plain.user.createMany({
    data: names.map((name, i) => ({ name, email: emails[i] as string, phone: phones[i] as string })),
  });
}

if (require.main === module) {
  benchFindMany()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
