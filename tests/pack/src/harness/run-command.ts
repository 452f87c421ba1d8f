import { execFile, type ExecFileException } from 'node:child_process';

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Thrown when a command the test needs exits non-zero: carries its output, so the failure explains itself. */
export class CommandFailedError extends Error {
  constructor(readonly command: string, readonly result: CommandResult) {
    super(`\`${command}\` exited with ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    this.name = 'CommandFailedError';
  }
}

/**
 * Runs a command to completion (no shell). Asynchronous on purpose: kms-local runs in the test's own
 * process and must keep answering while the command waits on it.
 */
export function runCommand(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error: ExecFileException | null, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error); // could not start it at all
      resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** {@link runCommand}, and throws {@link CommandFailedError} unless it exits with 0. */
export async function runOrThrow(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.status !== 0) throw new CommandFailedError([file, ...args].join(' '), result);
  return result;
}
