/**
 * The process's own peak resident set size, for `--report-max-rss` (the memory figures and tests).
 *
 * Not `process.resourceUsage().maxRSS` alone: on Linux, getrusage's maxrss survives execve, so a CLI
 * spawned by a 400 MB parent (a test runner, a benchmark) reports at least the parent's RSS at the fork,
 * whatever the CLI itself used. `/proc/self/status` VmHWM is the peak of this process's own address
 * space, which exec replaced. Elsewhere there is no such carry-over, and maxrss is right.
 */
import { readFileSync } from 'node:fs';

/** Peak RSS in bytes since this program's image started. */
export function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // no procfs (macOS, Windows): maxrss below
  }
  return process.resourceUsage().maxRSS * 1024;
}
