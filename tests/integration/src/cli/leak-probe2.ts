import { Pool } from 'pg';
async function main() {
  const p = new Pool({ connectionString: 'postgresql://postgres@127.0.0.1:5432/pkms_smoke' });
  for (let round = 0; round < 200; round++) {
    const params: unknown[] = [];
    const tuples = Array.from({ length: 1000 }, (_, i) => { params.push(i + 1, 'x'.repeat(360) + round, 'nope'); return `($${params.length - 2}::integer, $${params.length - 1}::text, $${params.length}::text)`; });
    await p.query(`UPDATE "users" AS t SET "phone_number" = v.n FROM (VALUES ${tuples.join(', ')}) AS v(k, n, o) WHERE t."id" = v.k AND t."phone_number" IS NOT DISTINCT FROM v.o`, params);
    if (round % 40 === 0) { global.gc?.(); console.log(round, Math.round(process.memoryUsage().heapUsed / 1e6), 'MB heap', Math.round(process.memoryUsage().rss / 1e6), 'MB rss'); }
  }
  await p.end();
}
main();
