import { createTestDatabase, type Provider } from './index';

// The harness itself: each provider gets a database of its own with the shared schema, and Prisma
// and the raw connection see the same rows.
describe.each<Provider>(['sqlite', 'postgresql'])('test database on %s', (provider) => {
  it('creates the schema, writes through Prisma and reads back through the raw connection', async () => {
    const db = await createTestDatabase(provider);
    const prisma = db.client();
    try {
      const user = await prisma.user.create({ data: { name: 'Ada', email: 'ada@example.com' } });
      const rows = await db.raw.query<{ name: string }>(
        `SELECT ${db.raw.quote('name')} FROM ${db.raw.quote('users')} WHERE ${db.raw.quote('id')} = ?`,
        [user.id],
      );
      expect(rows).toEqual([{ name: 'Ada' }]);
    } finally {
      await prisma.$disconnect();
      await db.drop();
    }
  });
});
