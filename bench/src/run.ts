/**
 * `pnpm bench`: every figure from one process. The codec table (µs per value with ratios against raw
 * AES-GCM, the primitives floor and cloak), then findMany on PostgreSQL against prisma-field-encryption, then
 * the KMS calls a cold cache makes, the latency of findUnique calls while a findMany of 100,000 compact
 * values decrypts (with and without slicing), then key scopes (one key for all, per tenant, per user) at
 * 10,000 users. The CLI's million-row run is separate (`pnpm bench:cli`), and so is the scopes benchmark
 * at the 100,000 users of issue 13 (`pnpm bench:scopes`, 43 minutes at a load average of 20 on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { benchCodec, CODEC_BASELINES } from './codec-bench';
import { benchFindMany } from './find-many-bench';
import { benchFindUniqueLatency, printLatencyTable } from './find-unique-latency-bench';
import { printFindManyTable } from './find-many-table';
import { benchCompactKmsCalls, benchKmsCalls } from './kms-calls-bench';
import { benchScopes, DEFAULT_SCOPES_BENCH_OPTIONS } from './scopes-bench';
import { printScopesTables } from './scopes-table';
import { printTable } from './table';

async function main(): Promise<void> {
  console.log(`prisma-kms benchmarks, Node ${process.version}, medians\n`);
  console.log('Per value (9-byte plaintext, warm data-key cache):');
  printTable(await benchCodec(), CODEC_BASELINES);

  const findMany = await benchFindMany();
  console.log(`\nfindMany of ${findMany.rows} rows x ${findMany.fields} encrypted fields on PostgreSQL, interleaved rounds:`);
  printFindManyTable(findMany);

  const kms = await benchKmsCalls();
  console.log(`\nKMS calls, cold cache, ${kms.values} values in 2 fields (kms-local counters):`);
  console.log(`  write: ${kms.generateDataKeyCalls} GenerateDataKey; read back with a new cipher: ${kms.decryptCalls} Decrypt`);

  const compact = await benchCompactKmsCalls();
  console.log(`\nKMS calls, compact values under one key version, ${compact.values} values written by ${compact.writerProcesses} writers:`);
  console.log(`  a fresh process reading them in random order: ${compact.readerDecryptCalls} Decrypt, ${compact.readerGenerateDataKeyCalls} GenerateDataKey`);

  const latency = await benchFindUniqueLatency();
  console.log(`\nfindUnique started every ${latency.intervalMs} ms (open loop) while ${latency.values} compact values (${latency.rows} rows) decrypt (decryptMany alone, then a findMany):`);
  printLatencyTable(latency);
  // The tail left is V8's young-generation scavenges, sized by a process flag no library can set:
  // the same benchmark in a child process started with a small young generation.
  console.log(`\nThe same in a process started with node --max-semi-space-size=${SMALL_SEMI_SPACE_MB} (a ${2 * SMALL_SEMI_SPACE_MB} MB young generation):`);
  const child = spawnSync(process.execPath, [...process.execArgv, `--max-semi-space-size=${SMALL_SEMI_SPACE_MB}`, require.resolve('./find-unique-latency-bench')], {
    stdio: 'inherit',
  });
  if (child.status !== 0) throw new Error(`the latency benchmark with a small young generation failed (exit ${String(child.status ?? child.signal)})`);

  console.log('\nKey scopes at 10,000 users (`pnpm bench:scopes` for 100,000):');
  printScopesTables(await benchScopes({ ...DEFAULT_SCOPES_BENCH_OPTIONS, users: SCOPES_IN_BENCH }));
}

/** Semi-space size (MB) of the second latency run: the young generation is twice that. */
const SMALL_SEMI_SPACE_MB = 2;

/** Users of the scopes benchmark inside `pnpm bench`: a tenth of issue 13's 100,000 (a tenth of its time). */
const SCOPES_IN_BENCH = 10_000;

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
