/**
 * The `prisma-kms` command line: parses flags with commander, runs a command, prints its result,
 * and returns the exit status (0 ok, 1 work left undone or failures found, 2 usage or config error,
 * 3 database or cipher failure).
 */
import { Command, CommanderError, Option } from 'commander';
import { isCliError } from '../errors';
import { collectStatus } from '../engine/collect-status';
import { runMigration, type TableMigrationResult } from '../engine/run-migration';
import { inThreadCrypto, type BatchCrypto } from '../engine/batch-crypto';
import { startCryptoWorkers } from '../engine/crypto-workers';
import { parseShard } from '../engine/shard';
import { verifyTables } from '../engine/verify-values';
import { formatMigration, formatStatus, formatVerify, toJson } from '../output/format-results';
import { createProgressReporter } from '../output/progress-reporter';
import { createIndexKeyCommand, type CreateIndexKeyFlags } from './create-index-key';
import { rewrapKeysCommand, type RewrapKeysFlags } from './rewrap-keys';
import { formatIndexKeyStatus, readIndexKeyStatus, wrappingKeysInUse } from '../engine/index-key-status';
import { registerKeyStoreCommands } from './key-store-program';
import { findPrismaDebugHistories } from './prisma-debug-history';
import { indexedTargets } from '../engine/table-target';
import { CLI_VERSION } from '../version';
import { openSession, resolveKeyringCipher, type CommonFlags, type Session } from './session';
import { nonNegativeInteger, positiveInteger } from './integer-options';
import { scopeId } from './scope-option';
import { scopeKeyIndex } from '../engine/scope-keys';
import { selectRunnable, type MigrationScopes } from '../engine/scoped-run';
import { peakRssBytes } from '../output/peak-rss';

type Output = NodeJS.WritableStream & { isTTY?: boolean };

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  readonly cwd: string;
  /** `keys shred` reads the operator's confirmation here (refused unless it is a terminal, or --yes). */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: Output;
  readonly stderr: Output;
}

export const EXIT = { OK: 0, UNDONE: 1, USAGE: 2, FAILED: 3 } as const;

interface MigrationFlags extends CommonFlags {
  readonly cryptoWorkers?: number;
  /** reindex: recompute every entry. */
  readonly full?: boolean;
  readonly dryRun?: boolean;
  /** encrypt: encrypt malformed values too. */
  readonly encryptMalformed?: boolean;
  readonly shard?: string;
  readonly checkpoint?: string | false;
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** Milliseconds one batch may wait for row locks. */
  readonly lockTimeout?: number;
  /** encrypt, rotate: every selected model must be scoped by this field. */
  readonly scopeBy?: string;
  /** encrypt, rotate: the scope of request-scoped models' rows. */
  readonly scope?: string;
}

interface VerifyFlags extends CommonFlags {
  readonly cryptoWorkers?: number;
  readonly keyring?: string;
  readonly shard?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and resolves to the exit status.
 *
 * @example
 * ```ts
 * const status = await runCli(['encrypt', '--model', 'User', '--batch-size', '500']);
 * process.exitCode = status;
 * ```
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = { cwd: io.cwd ?? process.cwd(), stdin: io.stdin ?? process.stdin, stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
  let status: number = EXIT.OK;
  const program = buildProgram(out, (code) => {
    status = Math.max(status, code);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end with exit code 0; anything else commander rejects is a usage error
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (isCliError(error)) {
      out.stderr.write(`prisma-kms: ${error.message} [${error.code}]\n`);
      return error.exitCode;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && code.startsWith('PRISMA_KMS_')) {
      // field-crypto's errors name model, field and cause and never carry values: safe to show as they are
      out.stderr.write(`prisma-kms: ${error.message} [${code}]\n`);
    } else {
      out.stderr.write(`prisma-kms: unexpected ${error instanceof Error ? error.name : typeof error}\n`);
    }
    if (process.env.PRISMA_KMS_DEBUG && error instanceof Error) out.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT.FAILED;
  } finally {
    const rssFlag = argv.includes('--report-max-rss');
    if (rssFlag) out.stderr.write(`prisma-kms:max-rss-bytes ${peakRssBytes()}\n`);
  }
  return status;
}

function buildProgram(io: CliIo, exitWith: (code: number) => void): Command {
  const program = new Command('prisma-kms')
    .description('Encrypt existing columns in place, rotate keys, decrypt back, verify and report status')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    // program options only before the command: `keys create-index-key --version <n>` is the key's version
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();
  // Measures the process for the benchmark; not part of the documented interface.
  program.addOption(new Option('--report-max-rss').hideHelp());

  withCommon(program.command('status'))
    .description('count plaintext, current-key and other-key ciphertext, nulls and blind index coverage, per model and field (reads only; no KMS call)')
    .option('--json', 'print JSON')
    .option('--quiet', 'no progress output')
    .option('--index-keys <file>', "list the KMS keys that wrap this index key file's keys (default: the config's indexKeyFile)")
    .action(async (flags: MigrationFlags & { indexKeys?: string }) => {
      await withSession(flags, io, async (session) => {
        const progress = createProgressReporter(io.stderr, { quiet: flags.quiet || flags.json });
        const readKeys = await session.keyVersions();
        const report = await collectStatus(session.targets, {
          db: await session.database(),
          dialect: session.dialect,
          cipher: await session.cipher(),
          batchSize: session.batchSize,
          onProgress: (p) => progress.update(p),
          // key-version id -> scope and status, from the store's rows (no KMS call)
          ...(readKeys ? { keys: scopeKeyIndex(await readKeys()) } : {}),
        });
        progress.finish();
        const indexKeyFile = flags.indexKeys ?? session.loaded.config.indexKeyFile;
        const indexKeys = indexKeyFile === undefined ? undefined : readIndexKeyStatus(indexKeyFile, io.cwd);
        const inUse = wrappingKeysInUse(report, indexKeys);
        io.stdout.write(
          flags.json
            ? toJson({ ...report, ...(indexKeys ? { indexKeys } : {}), wrappingKeysInUse: inUse }) + '\n'
            : formatStatus(report) + formatIndexKeyStatus(indexKeys, inUse),
        );
      });
    });

  for (const [command, description] of [
    ['encrypt', 'encrypt every plaintext value of the encrypted fields, in place'],
    ['rotate', 're-encrypt values whose data key the current generator key does not wrap'],
    ['decrypt', 'take every value back to plaintext (all encrypted fields, or those named)'],
    ['reindex', 'rebuild blind index columns under the current index key (after an index-key rotation; --full after a change of normalization)'],
  ] as const) {
    const subcommand = withMigrationFlags(withCommon(program.command(command))).description(description);
    if (command === 'reindex') subcommand.option('--full', 'recompute every entry, not only those under an older index key or length');
    if (command === 'encrypt') {
      subcommand.option('--encrypt-malformed', 'also encrypt values that look like damaged ciphertext (reported as MALFORMED otherwise), as plaintext');
    }
    if (command === 'encrypt' || command === 'rotate') {
      subcommand
        .option('--scope-by <field>', "put each row's values under the key of its own scope, this field's value (the models' @encrypted(scope: <field>), which is the default)")
        .option('--scope <id>', 'the scope of every row of request-scoped models (@encrypted(scope: request)), which are refused without it', scopeId);
    }
    subcommand
      .action(async (flags: MigrationFlags) => {
        await withSession(flags, io, async (session) => {
          const selected = command === 'reindex' ? indexedTargets(session.targets, (flags.field ?? []).length > 0) : session.targets;
          const scopes = command === 'encrypt' || command === 'rotate' ? await migrationScopes(session, flags) : undefined;
          const { run: targets, skipped } = selectRunnable(selected, command, scopes, flags.scopeBy, (flags.model ?? []).length > 0);
          // a scoped model this run cannot take is named, never passed over in silence
          for (const s of skipped) io.stderr.write(`prisma-kms: ${command} skips model "${s.model}" (name it with --model to make this an error): ${s.reason}\n`);
          const progress = createProgressReporter(io.stderr, { quiet: flags.quiet || flags.json });
          const shard = flags.shard ? parseShard(flags.shard) : undefined;
          let results: TableMigrationResult[];
          const db = await session.database();
          const debugHistories = await findPrismaDebugHistories(session.loaded.path, io.cwd);
          const blindIndexer = command === 'encrypt' || command === 'reindex' ? await session.blindIndexer() : undefined;
          const cipher = await session.cipher();
          const crypto = await cryptoFor(session, flags, cipher);
          try {
            results = await runMigration(targets, {
              db,
              crypto,
              afterWrite: () => debugHistories.forEach((clear) => clear()),
              ...(blindIndexer ? { blindIndexer } : {}),
              dialect: session.dialect,
              cipher,
              command,
              ...(command === 'reindex' ? { full: flags.full ?? false } : {}),
              ...(command === 'encrypt' ? { encryptMalformed: flags.encryptMalformed ?? false } : {}),
              batchSize: session.batchSize,
              concurrency: session.concurrency,
              dryRun: flags.dryRun ?? false,
              checkpoints: session.checkpoints(flags.checkpoint),
              onProgress: (p) => progress.update(p),
              onRetry: (n) => progress.notice(`${command} ${n.model}: ${n.reason} while ${n.what}; retry ${n.attempt} in ${n.delayMs} ms`),
              ...(flags.lockTimeout !== undefined ? { lockTimeoutMs: flags.lockTimeout } : {}),
              ...(shard ? { shard } : {}),
              ...(scopes ? { scopes } : {}),
              ...(flags.scopeBy !== undefined ? { scopeBy: flags.scopeBy } : {}),
            });
          } finally {
            progress.finish();
            await crypto.close();
          }
          const done = results.every((r) => r.done && r.failureCount === 0);
          io.stdout.write(
            flags.json
              ? toJson({ command, dryRun: flags.dryRun ?? false, done, tables: results, ...(skipped.length > 0 ? { skipped } : {}) }) + '\n'
              : formatMigration(command, results, flags.dryRun ?? false),
          );
          // the final check's count, never the checkpoint nor this run's own counters, decides the status
          if (!done) exitWith(EXIT.UNDONE);
        });
      });
  }

  const keys = program.command('keys').description('the key store (create, rotate, list, retire, export, import) and blind index keys');
  registerKeyStoreCommands(keys, io);
  keys
    .command('create-index-key')
    .description('print (or --out: append to a file, mode 0600) a new blind index key, encrypted with the config\'s keyring')
    .option('-c, --config <path>', 'config module (default: prisma-kms.config.{ts,js,mjs,cjs} in the working directory)')
    .option('--version <n>', 'key version: 1 for the first, one more than the highest in use for a rotation', positiveInteger, 1)
    .option('--out <file>', 'append the key to this file (created with mode 0600) instead of printing it')
    .action(async (flags: CreateIndexKeyFlags) => {
      const created = await createIndexKeyCommand(flags, io.cwd);
      if (created.path === undefined) io.stdout.write(`${created.message}\n`);
      else io.stderr.write(`prisma-kms: index key version ${flags.version} appended to ${created.path}\n`);
    });
  keys
    .command('rewrap')
    .description("re-wrap the key store's rows and the index key file's keys under the config's keyring (same keys, ids and versions), e.g. before retiring a KMS key")
    .option('-c, --config <path>', 'config module (default: prisma-kms.config.{ts,js,mjs,cjs} in the working directory)')
    .option('--file <file>', "the index key file, replaced atomically (default: the config's indexKeyFile)")
    .option('--out <file>', 'write the re-wrapped file here instead of replacing --file')
    .option('--json', 'print what was re-wrapped as JSON')
    .action(async (flags: RewrapKeysFlags & { json?: boolean }) => {
      const { keyStore, indexKeys } = await rewrapKeysCommand(flags, io.cwd);
      if (flags.json) io.stdout.write(toJson({ keyStore, indexKeys }) + '\n');
      if (keyStore) {
        io.stderr.write(`prisma-kms: ${keyStore.rewrapped.length} key-store rows re-wrapped in key store "${keyStore.keyStore}"\n`);
        if (keyStore.changedMeanwhile.length > 0) {
          io.stderr.write(`prisma-kms: ${keyStore.changedMeanwhile.length} rows changed while this ran and were left as they are (ids ${keyStore.changedMeanwhile.join(', ')}): run keys rewrap again\n`);
          exitWith(EXIT.UNDONE);
        }
      }
      if (indexKeys) io.stderr.write(`prisma-kms: ${indexKeys.count} index keys re-wrapped into ${indexKeys.path}\n`);
    });

  withCommon(program.command('verify'))
    .description('decrypt every value and report each one that fails, by model, field and primary key (changes nothing)')
    .option('--crypto-workers <n>', 'decrypt in n worker threads (default 0: in this thread)', nonNegativeInteger)
    .option('--keyring <ref>', 'verify with another cipher: a name in the config\'s keyrings or exports, or <file>#<export>')
    .option('--shard <i/n>', 'verify only shard i of n')
    .option('--json', 'print JSON')
    .option('--quiet', 'no progress output')
    .action(async (flags: VerifyFlags) => {
      await withSession(flags, io, async (session) => {
        const cipher = flags.keyring ? await resolveKeyringCipher(session, flags.keyring, io.cwd) : await session.cipher();
        const progress = createProgressReporter(io.stderr, { quiet: flags.quiet || flags.json });
        const shard = flags.shard ? parseShard(flags.shard) : undefined;
        // workers build the config's own cipher, so another keyring's verify stays in this thread
        const crypto = flags.keyring ? inThreadCrypto(cipher) : await cryptoFor(session, flags, cipher);
        const results = await verifyTables(session.targets, {
          db: await session.database(),
          dialect: session.dialect,
          cipher,
          crypto,
          batchSize: session.batchSize,
          concurrency: session.concurrency,
          onProgress: (p) => progress.update(p),
          ...(shard ? { shard } : {}),
        });
        progress.finish();
        await crypto.close();
        const failed = results.reduce((n, r) => n + r.failureCount, 0);
        io.stdout.write(flags.json ? toJson({ ok: failed === 0, failureCount: failed, tables: results }) + '\n' : formatVerify(results));
        if (failed > 0) exitWith(EXIT.UNDONE);
      });
    });

  return program;
}

function withCommon(command: Command): Command {
  return command
    .addOption(new Option('--report-max-rss').hideHelp())
    .option('-c, --config <path>', 'config module (default: prisma-kms.config.{ts,js,mjs,cjs} in the working directory)')
    .option('-m, --model <names>', 'only these models (repeatable, or comma-separated)', collectNames)
    .option('-f, --field <names>', 'only these fields: field or Model.field (repeatable, or comma-separated)', collectNames)
    .option('--batch-size <n>', 'rows per batch (default 1000)', positiveInteger)
    .option('--concurrency <n>', 'batches in flight (default 4)', positiveInteger);
}

function withMigrationFlags(command: Command): Command {
  return command
    .option('--dry-run', 'count what would change; write nothing')
    .option('--crypto-workers <n>', 'run the crypto in n worker threads, ~75 MB each (default 0: in this thread)', nonNegativeInteger)
    .option('--shard <i/n>', 'take only shard i of n (run n processes to share a table)')
    .option('--checkpoint <dir>', 'checkpoint directory (default .prisma-kms)')
    .option('--no-checkpoint', 'do not read or write checkpoints')
    .option('--lock-timeout <ms>', 'how long one batch may wait for row locks before it is retried (default 10000)', positiveInteger)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress output');
}

async function withSession(flags: CommonFlags, io: CliIo, body: (session: Session) => Promise<void>): Promise<void> {
  const session = await openSession(flags, io.cwd);
  try {
    await body(session);
  } finally {
    await session.close();
  }
}

function collectNames(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** What encrypt and rotate need for scoped models: the key store's rows, `--scope`, the per-scope blind indexer. */
async function migrationScopes(session: Session, flags: MigrationFlags): Promise<MigrationScopes | undefined> {
  const readKeys = await session.keyVersions();
  if (!readKeys) return undefined;
  const blindIndexer = session.loaded.config.keyStore?.blindIndexer;
  return { readKeys, ...(flags.scope !== undefined ? { requestScope: flags.scope } : {}), ...(blindIndexer ? { blindIndexer } : {}) };
}

/** The crypto of a run: in worker threads when asked for (flag, else config), else in this thread. */
async function cryptoFor(session: Session, flags: { cryptoWorkers?: number }, cipher: Parameters<typeof inThreadCrypto>[0]): Promise<BatchCrypto> {
  const workers = flags.cryptoWorkers ?? session.loaded.config.cryptoWorkers ?? 0;
  return workers > 0 ? startCryptoWorkers(session.loaded.path, workers) : inThreadCrypto(cipher);
}
