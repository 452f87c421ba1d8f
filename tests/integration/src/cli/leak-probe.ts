import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma-kms/schema/postgresql';
async function main() {
  const url = 'postgresql://postgres@127.0.0.1:5432/pkms_smoke';
  const p = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), ...(process.argv[3] ? { queryPlanCacheMaxSize: Number(process.argv[3]) } : {}) });
  const mode = process.argv[2];
  for (let round = 0; round < 200; round++) {
    const n = 1000;
    if (mode === 'select') {
      await p.$queryRawUnsafe(`SELECT "id" AS "k0", "name" AS "c0", "email" AS "c1" FROM "users" WHERE "id" > $1 ORDER BY "id" LIMIT 1000`, round % 4);
    } else {
      const params: unknown[] = [];
      const tuples = Array.from({ length: n }, (_, i) => { params.push(i + 1, 'x'.repeat(360) + round, 'nope'); return `($${params.length - 2}::integer, $${params.length - 1}::text, $${params.length}::text)`; });
      await p.$executeRawUnsafe(`UPDATE "users" AS t SET "phone_number" = v.n FROM (VALUES ${tuples.join(', ')}) AS v(k, n, o) WHERE t."id" = v.k AND t."phone_number" IS NOT DISTINCT FROM v.o`, ...params);
    }
    if (process.argv[4]) require(require.resolve('@prisma/debug', { paths: [require.resolve('@prisma/driver-adapter-utils', { paths: [require.resolve('@prisma/adapter-pg')] })] })).clearLogs();
    if (round % 20 === 0) { global.gc?.(); console.log(mode, round, Math.round(process.memoryUsage().heapUsed / 1e6), 'MB heap', Math.round(process.memoryUsage().rss / 1e6), 'MB rss'); }
  }
  await p.$disconnect();
}
main();
