/** The `prisma-kms` executable: runs the CLI on the process's arguments and exits with its status. */
import { setFlagsFromString } from 'node:v8';
import { runCli } from './commands/program';

// A migration allocates fast and keeps little (a few batches): V8's default lets the old generation
// grow to several times the live size between full collections, which on a large machine means
// 400+ MB of garbage. Growing by at most 20% keeps peak RSS near the live size for a few ms of GC.
// (Set here, not in the library: a process that embeds runCli keeps its own GC settings.)
setFlagsFromString('--heap-growing-percent=20');
// Prisma 7 instantiates its WebAssembly query compiler (3.4 MB) when the client connects, and V8's
// optimizing tier (TurboFan) then recompiles its hot functions in background threads: about 55 MB
// of RSS that malloc keeps. The CLI sends only raw SQL, which never reaches the compiler, so the
// baseline tier is all it needs (measured: 176 MB after connecting, 117 MB with this flag).
setFlagsFromString('--liftoff-only');

void runCli(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
  // The config may open connections the CLI does not own and cannot close (a cipher's key store on its
  // own Prisma client): their pools must not keep a finished command running (MariaDB's for 30 minutes).
  // Exit once what was written to stdout and stderr has been handed to the OS.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
});
