/**
 * `pnpm bench`: every figure from one process. The codec table (µs per value with ratios against raw
 * AES-GCM, the primitives floor and cloak), then findMany on PostgreSQL against prisma-field-encryption, then
 * the KMS calls a cold cache makes, then the latency of findUnique calls while a findMany of 100,000
 * compact values decrypts (with and without slicing). The CLI's million-row run is separate: `pnpm bench:cli`.
 */
import { benchCodec, CODEC_BASELINES } from './codec-bench';
import { benchFindMany } from './find-many-bench';
import { benchFindUniqueLatency, printLatencyTable } from './find-unique-latency-bench';
import { printFindManyTable } from './find-many-table';
import { benchCompactKmsCalls, benchKmsCalls } from './kms-calls-bench';
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
  console.log(`\nfindUnique started every ${latency.intervalMs} ms (open loop) while a findMany of ${latency.values} compact values (${latency.rows} rows) decrypts:`);
  printLatencyTable(latency);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
