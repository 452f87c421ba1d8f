import { createPrisma } from './db.js';

async function main() {
  const prisma = await createPrisma();
  const email = `ada+${Date.now()}@example.com`;
  const ada = await prisma.user.create({ data: { name: 'Ada', email } }); // stored as ciphertext
  const users = await prisma.user.findMany(); // returned as plaintext
  const found = await prisma.user.findFirst({ where: { email: email.toUpperCase() } }); // through the blind index, ASCII case-insensitive
  console.log(JSON.stringify({ created: ada.id, users: users.length, found: found?.name }));
  await prisma.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
