/** The startup banner: kms-local must never be mistaken for a key management service. */

export interface BannerFacts {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly stateFile: string | undefined;
  readonly host: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function startupBanner(facts: BannerFacts): string[] {
  const lines = [
    'kms-local: a KMS-compatible server for DEVELOPMENT AND TESTS ONLY. Never put production data behind it.',
    facts.stateFile
      ? `  Key material is stored UNENCRYPTED in ${facts.stateFile}: keep it out of version control and backups you share.`
      : '  Key material lives in memory only: every key (and every ciphertext made with it) is lost when the server stops. Use --state FILE to keep keys.',
    '  Request signatures are not verified: anyone who can reach this port can use every key.',
  ];
  if (!LOOPBACK.has(facts.host)) lines.push(`  WARNING: listening on ${facts.host}, reachable from other machines.`);
  lines.push(
    `  endpoint ${facts.endpoint}  region ${facts.region}  account ${facts.accountId}`,
    `  control  ${facts.endpoint}/__kms-local/ (faults, call counters; see the README)`,
  );
  return lines;
}
