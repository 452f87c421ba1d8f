/**
 * The `kms-local` command. Prints the startup banner on stderr and machine-readable lines on stdout:
 * `endpoint <url>` once listening, then `key <arn> [alias]` for a seeded key.
 */
import { parseArgs } from 'node:util';
import { KmsException, KmsLocalError } from './errors';
import { startKmsLocal, DEFAULT_ACCOUNT_ID, DEFAULT_HOST, DEFAULT_REGION } from './kms-local';
import type { KeySpec } from './state';

/** An arbitrary fixed default, away from LocalStack's 4566 so both can run at once. */
const DEFAULT_PORT = 4599;

const USAGE = `Usage: kms-local [options]

A KMS-compatible server for development and tests (AWS JSON 1.1, TrentService).
NOT a key management service: key material is stored unencrypted.

Options:
  --port N            port to listen on (default ${DEFAULT_PORT}; 0 picks a free port and prints it)
  --host HOST         interface to bind (default ${DEFAULT_HOST})
  --state FILE        keep keys in FILE across restarts (default: memory only)
  --account ID        12-digit account id in ARNs (default ${DEFAULT_ACCOUNT_ID}, or the state file's)
  --region REGION     Region in ARNs (default ${DEFAULT_REGION}, or the state file's)
  --create-key        create a key on start (with --alias: only if the alias does not exist yet)
  --alias NAME        alias for the seeded key, e.g. alias/dev (implies --create-key)
  --key-spec SPEC     SYMMETRIC_DEFAULT (default) or HMAC_256, for the seeded key
  --multi-region      make the seeded key a multi-Region key (mrk-...)
  --quiet             no banner
  -h, --help          this text
`;

class UsageError extends Error {
  readonly code = 'USAGE';
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not ${text}`);
  return port;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      state: { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      'create-key': { type: 'boolean' },
      alias: { type: 'string' },
      'key-spec': { type: 'string' },
      'multi-region': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const keySpec = values['key-spec'] ?? 'SYMMETRIC_DEFAULT';
  if (keySpec !== 'SYMMETRIC_DEFAULT' && keySpec !== 'HMAC_256') throw new UsageError('--key-spec must be SYMMETRIC_DEFAULT or HMAC_256');

  const kms = await startKmsLocal({
    port: parsePort(values.port ?? String(DEFAULT_PORT)),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.state !== undefined ? { stateFile: values.state } : {}),
    ...(values.account !== undefined ? { accountId: values.account } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    quiet: values.quiet ?? false,
  });
  process.stdout.write(`endpoint ${kms.endpoint}\n`);

  if (values['create-key'] || values.alias !== undefined) {
    const alias = values.alias;
    const existing = alias === undefined ? undefined : await describeAlias(kms.endpoint, alias);
    const key = existing ?? (await kms.createKey({
      keySpec: keySpec as KeySpec,
      multiRegion: values['multi-region'] ?? false,
      ...(alias !== undefined ? { alias } : {}),
    })).arn;
    process.stdout.write(`key ${key}${alias ? ` ${alias}` : ''}${existing ? ' (existing)' : ''}\n`);
  }
  kms.resetCalls();

  const stop = () => {
    kms.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The key ARN an alias points at, asked over the wire so the seeded key survives restarts idempotently. */
async function describeAlias(endpoint: string, alias: string): Promise<string | undefined> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.DescribeKey' },
    body: JSON.stringify({ KeyId: alias }),
  });
  const body = (await response.json()) as { KeyMetadata?: { Arn?: string } };
  return response.ok ? body.KeyMetadata?.Arn : undefined;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`kms-local: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof KmsLocalError || error instanceof KmsException) {
    process.stderr.write(`kms-local: ${error.message} (${error.code})\n`);
    process.exit(1);
  }
  process.stderr.write(`kms-local: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
