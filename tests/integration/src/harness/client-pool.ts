import type { TestDatabase, TestPrismaClient } from './databases';

/** Prisma clients opened on one test database, so a fixture can close them all before dropping it. */
export interface ClientPool {
  /** A new, unextended client on the database, disconnected by {@link ClientPool.closeAndDrop}. */
  open(): TestPrismaClient;
  /** Disconnects every client the pool opened, then drops the database. */
  closeAndDrop(): Promise<void>;
}

/**
 * @example
 * const pool = clientPool(await createTestDatabase('postgresql'));
 * const prisma = pool.open().$extends(fieldEncryption({ fields, cipher }));
 * // ...
 * await pool.closeAndDrop();
 */
export function clientPool(db: TestDatabase): ClientPool {
  const clients: TestPrismaClient[] = [];
  return {
    open: () => {
      const client = db.client();
      clients.push(client);
      return client;
    },
    closeAndDrop: async () => {
      await Promise.all(clients.map((client) => client.$disconnect()));
      await db.drop();
    },
  };
}
