/**
 * Wires the key-store commands (`keys create | rotate | list | retire | export | import`) into the
 * `keys` command: flags, and what each prints (results on stdout, notes on stderr).
 */
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { CliError } from '../errors';
import { scopeId } from './scope-option';
import { shredAuditLine } from './shred-audit';
import { KEY_PURPOSES, type KeyVersionInfo } from '@prisma-kms/field-crypto';
import { toJson } from '../output/format-results';
import {
  createKeyCommand,
  exportKeysCommand,
  importKeysCommand,
  listKeysCommand,
  retireKeyCommand,
  rotateKeyCommand,
  shredScopeCommand,
  type KeyStoreFlags,
  type ShredFlags,
} from './key-store-commands';
import { formatKeyVersions } from './key-version-rules';
import { positiveInteger } from './integer-options';

interface Io {
  readonly cwd: string;
  /** Where `keys shred` reads the operator's confirmation (a terminal only). */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Adds the key-store subcommands to `keys`. */
export function registerKeyStoreCommands(keys: Command, io: Io): void {
  withByokFlag(withKeyFlags(keys.command('create')))
    .description("create version 1 of a key in the config's keyStore (refused when the key has an active version, unless --force)")
    .option('--force', 'make a new version even though an active one exists')
    .option('--json', 'print the new version as JSON')
    .action(async (flags: KeyStoreFlags & { force?: boolean; json?: boolean }) => {
      printVersion(io, 'created', await createKeyCommand(flags, io.cwd), flags.json);
    });
  withByokFlag(withKeyFlags(keys.command('rotate')))
    .description('create the next version of a key: new values use it once caches expire; older versions stay readable')
    .option('--json', 'print the new version as JSON')
    .action(async (flags: KeyStoreFlags & { json?: boolean }) => {
      printVersion(io, 'created', await rotateKeyCommand(flags, io.cwd), flags.json);
    });
  withConfigFlag(keys.command('shred'))
    .description("destroy every key version of a scope (field and blind-index keys): its values become unreadable everywhere, for good")
    .requiredOption('--scope <id>', 'the scope to shred', scopeId)
    .option('--dry-run', 'list the key versions that would be destroyed; change nothing')
    .option('--yes', 'do not ask for the scope id to be typed (needed when stdin is not a terminal)')
    .option('--audit-log <file>', 'also append the audit line to this file (created with mode 0600)')
    .option('--json', 'print the dry run as JSON (the audit line is JSON anyway)')
    .action(async (flags: ShredFlags & { yes?: boolean; json?: boolean }) => {
      const done = await shredScopeCommand(flags, io.cwd, (rows) => confirmShred(io, flags.scope, rows, flags.yes ?? false));
      if (done.dryRun) {
        io.stdout.write(
          flags.json
            ? toJson(done) + '\n'
            : formatKeyVersions(done.rows) + `dry run: ${done.rows.length} key versions of scope ${JSON.stringify(done.scope)} would be destroyed; nothing was changed\n`,
        );
        return;
      }
      if (!done.audit) {
        io.stderr.write(`prisma-kms: scope ${JSON.stringify(done.scope)} is already shredded: nothing left to destroy\n`);
        return;
      }
      io.stdout.write(shredAuditLine(done.audit));
      io.stderr.write(
        `prisma-kms: ${done.rows.length} key versions of scope ${JSON.stringify(done.scope)} destroyed. Processes that loaded them keep them until their key cache's TTL expires; ` +
          'backups of the key-store table taken before now still hold them (see docs/operations.md, "Shredding a scope")\n',
      );
      if (done.auditLogError) throw done.auditLogError;
    });
  withConfigFlag(keys.command('list'))
    .description('list the key versions (key, purpose, version, id, status, created), without key material')
    .option('--json', 'print JSON')
    .action(async (flags: KeyStoreFlags & { json?: boolean }) => {
      const listed = await listKeysCommand(flags, io.cwd);
      io.stdout.write(flags.json ? toJson(listed) + '\n' : formatKeyVersions(listed.versions));
    });
  withKeyFlags(keys.command('retire'))
    .argument('<version>', 'the version of the key to retire (see keys list)', positiveInteger)
    .description('retire a version: its values can no longer be read (re-encrypt them with `prisma-kms rotate` first); refuses the current one')
    .option('--json', 'print the retired version as JSON')
    .action(async (version: number, flags: KeyStoreFlags & { json?: boolean }) => {
      printVersion(io, 'retired', await retireKeyCommand(flags, version, io.cwd), flags.json);
    });
  withConfigFlag(keys.command('export'))
    .description('write every key-store row, still wrapped by the keyring, to a JSON file (mode 0600) for a backup outside the database')
    .requiredOption('--out <file>', 'the file to write (refused if it exists, unless --force)')
    .option('--force', 'replace the file if it exists')
    .action(async (flags: KeyStoreFlags & { out: string; force?: boolean }) => {
      const done = await exportKeysCommand(flags, io.cwd);
      io.stderr.write(`prisma-kms: ${done.rows} key-store rows exported to ${done.path}\n`);
    });
  withConfigFlag(keys.command('import'))
    .description('restore the rows a key-store export has and the store is missing, each checked to decrypt with the keyring first')
    .requiredOption('--file <file>', 'the export to read (from keys export)')
    .option('--json', 'print the counts as JSON')
    .action(async (flags: KeyStoreFlags & { file: string; json?: boolean }) => {
      const done = await importKeysCommand(flags, io.cwd);
      // rows of a scope shredded since the export are never brought back: say how many were refused
      const refused = done.refusedShredded > 0 ? `, ${done.refusedShredded} refused (their scope was shredded since the export)` : '';
      io.stdout.write(flags.json ? toJson(done) + '\n' : `${done.imported} key-store rows imported, ${done.unchanged} already present${refused}\n`);
    });
}

function withByokFlag(command: Command): Command {
  return command.option(
    '--kms-key-id <arn>',
    "BYOK: check that the scope's rows are wrapped by this KMS key alone, as the config's keyStore.scopeKeyring (the application's) names it",
  );
}

/**
 * Asks the operator to type the scope id before a shred; refuses without a terminal (unless `yes`) and
 * on any other answer.
 */
async function confirmShred(io: Io, scope: string, rows: readonly KeyVersionInfo[], yes: boolean): Promise<void> {
  if (yes) return;
  if (!io.stdin.isTTY) {
    throw new CliError('USAGE', 'keys shred destroys keys for good and asks for the scope id to be typed, but stdin is not a terminal: pass --yes to confirm (after --dry-run)');
  }
  io.stderr.write(formatKeyVersions(rows) + `Type the scope id to destroy these ${rows.length} key versions of scope ${JSON.stringify(scope)} for good: `);
  const answer = await readLine(io.stdin);
  if (answer !== scope) throw new CliError('KEY_STORE_REFUSED', 'the scope id typed does not match: nothing was shredded');
}

/** One line from `input` (undefined if it ends first). */
function readLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  const lines = createInterface({ input, terminal: false });
  return new Promise((resolveLine) => {
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolveLine(line);
    });
    lines.once('close', () => {
      if (!answered) resolveLine(undefined);
    });
  });
}

function withConfigFlag(command: Command): Command {
  return command.option('-c, --config <path>', 'config module (default: prisma-kms.config.{ts,js,mjs,cjs} in the working directory)');
}

function withKeyFlags(command: Command): Command {
  return withConfigFlag(command)
    .option('--key <name>', 'the key name (default: default, the application key)')
    .addOption(new Option('--purpose <purpose>', 'the key purpose (default: field)').choices(KEY_PURPOSES))
    .option('--scope <scope>', 'the key scope (default: none)');
}

function printVersion(io: Io, what: 'created' | 'retired', version: KeyVersionInfo, json: boolean | undefined): void {
  io.stdout.write(
    json
      ? toJson(version) + '\n'
      : `${what} version ${version.version} of key "${version.keyName}" (${version.purpose}${version.scope ? `, scope ${version.scope}` : ''}), key-version id ${version.id}\n`,
  );
}
