/**
 * Stored-value classification cost against value size (issue 9, finding 10): classifying a value
 * must cost O(1) in its length apart from the one length-checked base64 decode the decrypt needs.
 * Prints the median µs per call for a message of 64 KiB of plaintext, the bare decode of the same
 * string, and 64 KiB plaintexts. Run with `pnpm --filter @prisma-kms/bench bench:classify` after `pnpm build`.
 */
import { randomBytes } from 'node:crypto';
import { classifyStoredValue, encodeMessage } from '@prisma-kms/field-crypto/internal/codec';
import { median } from './timing';

const PLAINTEXT_BYTES = 64 * 1024;
const CALLS = 200;
const ROUNDS = 15;

/** Median µs per call of each operation; they take turns within each round, so machine noise falls on all alike. */
function microsPerCall(runs: Record<string, () => unknown>): Record<string, number> {
  const samples = Object.fromEntries(Object.keys(runs).map((name) => [name, [] as number[]]));
  for (let round = 0; round < ROUNDS + 3; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) run();
      if (round >= 3) samples[name]!.push(Number(process.hrtime.bigint() - started) / 1e3 / CALLS);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

const message = encodeMessage({
  suiteId: 0x0478,
  dataKey: randomBytes(32),
  plaintext: randomBytes(PLAINTEXT_BYTES),
  encryptionContext: { 'prisma-kms:model': 'User', 'prisma-kms:field': 'bio' },
  encryptedDataKeys: [{ providerId: 'aws-kms', providerInfo: 'arn:aws:kms:us-east-1:111122223333:key/k', encryptedDataKey: randomBytes(184) }],
}).toString('base64');
const base64Plaintext = randomBytes(PLAINTEXT_BYTES).toString('base64');
const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(PLAINTEXT_BYTES / 45);

const rows = microsPerCall({
  'classify: 64 KiB message': () => classifyStoredValue(message),
  'Buffer.from(message, base64) alone': () => Buffer.from(message, 'base64'),
  'classify: 64 KiB prose plaintext': () => classifyStoredValue(prose),
  'classify: 64 KiB of base64 (not a message)': () => classifyStoredValue(base64Plaintext),
});
for (const [name, micros] of Object.entries(rows)) console.log(`${name.padEnd(44)} ${micros.toFixed(1).padStart(8)} µs`);
