/** The scopes benchmark's figures as text: three tables, the cache's memory, and the 10-million-user extrapolation. */
import { AWS_KMS, extrapolate, type PerScopeFigures } from './kms-cost';
import { type KeyChoiceFigures, type ScopesFigures } from './scopes-bench';
import { fixedWidthTable } from './table';
import { median } from './timing';

/** The user count docs/keys.md extrapolates to. */
export const EXTRAPOLATE_TO_USERS = 10_000_000;

/**
 * Prints the figures: storage and creation, reads (KMS calls and times), single-row latency, the
 * cache's memory, and each choice scaled to {@link EXTRAPOLATE_TO_USERS} users. Returns the text too.
 *
 * @example
 * printScopesTables(await benchScopes());
 */
export function printScopesTables(figures: ScopesFigures, write: (text: string) => void = console.log): string {
  const { options, choices, memory } = figures;
  const cacheBytesPerEntry = memory.heapBytesPerEntry + memory.externalBytesPerEntry;
  const sections = [
    `Key choices over ${count(options.users)} users on PostgreSQL, KMS keyring over HTTP to kms-local (call counts from its counters):`,
    fixedWidthTable(
      ['choice', 'scopes', 'key rows', 'material', 'table', 'creation: GenerateDataKey / Encrypt / Decrypt', 'seed time'],
      choices.map((c) => [
        c.label,
        count(c.scopes),
        count(c.keyStore.rows),
        bytes(c.keyStore.materialBytes),
        bytes(c.keyStore.tableBytes),
        `${count(c.creationCalls.GenerateDataKey)} / ${count(c.creationCalls.Encrypt)} / ${count(c.creationCalls.Decrypt)}`,
        `${c.creationSeconds.toFixed(1)} s`,
      ]),
    ),
    '',
    `findMany of ${count(options.readRows)} random users (name, email), a fresh key cache each round then the same query warm; ${options.rounds} interleaved rounds, median (p25-p75):`,
    fixedWidthTable(
      ['choice', 'key versions needed', 'cold: KMS Decrypt', 'cold ms', 'warm: KMS Decrypt', 'warm ms'],
      choices.map((c) => [
        c.label,
        count(median(c.reads.map((r) => r.distinctScopes))),
        count(median(c.reads.map((r) => r.coldDecrypts))),
        `${c.coldRead.median.toFixed(1)} (${c.coldRead.p25.toFixed(1)}-${c.coldRead.p75.toFixed(1)})`,
        count(median(c.reads.map((r) => r.warmDecrypts))),
        `${c.warmRead.median.toFixed(1)} (${c.warmRead.p25.toFixed(1)}-${c.warmRead.p75.toFixed(1)})`,
      ]),
    ),
    '',
    `findUnique of one user, ${options.latencyReads} random users per round and choice, each read twice; cold = the read loaded a key version:`,
    fixedWidthTable(
      ['choice', 'cold reads', 'cold p50 / p99 ms', 'warm reads', 'warm p50 / p99 ms'],
      choices.map((c) => [
        c.label,
        count(c.coldRowLatency.count),
        `${c.coldRowLatency.p50.toFixed(2)} / ${c.coldRowLatency.p99.toFixed(2)}`,
        count(c.warmRowLatency.count),
        `${c.warmRowLatency.p50.toFixed(2)} / ${c.warmRowLatency.p99.toFixed(2)}`,
      ]),
    ),
    '',
    `Key cache memory: ${count(memory.entries)} key versions loaded (${count(memory.decrypts)} KMS Decrypt), ` +
      `${Math.round(memory.heapBytesPerEntry)} B heap + ${Math.round(memory.externalBytesPerEntry)} B Buffers = ${Math.round(cacheBytesPerEntry)} B each; ` +
      `default maxEntries ${count(memory.defaultMaxEntries)} -> ${bytes(memory.defaultMaxEntries * cacheBytesPerEntry)}, TTL ${memory.defaultTtlMs / 60_000} min`,
    '',
    `Scaled to ${count(EXTRAPOLATE_TO_USERS)} users (per-scope figures above x scopes; AWS KMS at $${AWS_KMS.usdPer10kRequests} per 10,000 requests, ` +
      `${count(AWS_KMS.symmetricRequestsPerSecond)}/s default symmetric quota; see docs/keys.md):`,
    fixedWidthTable(
      ['choice', 'scopes', 'key rows', 'table', 'creation (once)', 'cache if all hot', 'Decrypt/process/TTL if all hot', 'share of quota', '$/process/month if all hot'],
      choices.map((c) => {
        const scopes = scaledScopes(c, options.users);
        const x = extrapolate(perScope(c, cacheBytesPerEntry), scopes, memory.defaultTtlMs);
        return [
          c.label,
          count(scopes),
          count(x.rows),
          bytes(x.tableBytes),
          `${count(x.creationRequests)} req, $${x.creationUsd.toFixed(2)}`,
          bytes(x.cacheBytesAllHot),
          count(x.decryptsPerProcessPerTtl),
          percent(x.quotaShareOverTtl),
          `$${x.usdPerProcessMonthAllHot.toFixed(2)}`,
        ];
      }),
    ),
  ];
  const text = sections.join('\n');
  write(text);
  return text;
}

/** A choice's scopes at the extrapolated size: one key stays one, tenants stay tenants, users scale. */
function scaledScopes(choice: KeyChoiceFigures, users: number): number {
  return choice.scopes === users ? EXTRAPOLATE_TO_USERS : choice.scopes;
}

function perScope(choice: KeyChoiceFigures, cacheBytesPerEntry: number): PerScopeFigures {
  const { rows, materialBytes, tableBytes } = choice.keyStore;
  const scopes = Math.max(1, choice.keyStore.scopes);
  return {
    rowsPerScope: rows / scopes,
    materialBytesPerScope: materialBytes / scopes,
    tableBytesPerScope: tableBytes / scopes,
    creationRequestsPerScope: (choice.creationCalls.GenerateDataKey + choice.creationCalls.Encrypt) / scopes,
    cacheBytesPerEntry,
  };
}

function percent(share: number): string {
  if (share < 0.0001) return '<0.01%';
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}
