/** The `prisma-kms` executable: runs the CLI on the process's arguments and exits with its status. */
import { runCli } from './commands/program';

void runCli(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
