/**
 * Issue 11, defect 7 (memory): Prisma's client runtime bundles a copy of `@prisma/debug` that keeps the
 * arguments of its last 100 debug calls, DEBUG or not; each `$executeRawUnsafe` logs its SQL and its
 * parameters there, so it held the CLI's last batch UPDATEs (old and new values). What
 * `findPrismaDebugHistories` returns must let go of them. Run in a child process: jest loads modules
 * through its own registry, not `require.cache`, where the CLI finds the loaded runtime.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CHILD = `
const { findPrismaDebugHistories } = require('@prisma-kms/cli');
const { Debug } = require('@prisma/client/runtime/client');
const settle = async () => { await new Promise((resolve) => setImmediate(resolve)); global.gc(); };
(async () => {
  let parameters = { values: ['a value '.repeat(1000)] };
  const ref = new WeakRef(parameters);
  Debug('prisma:client')('prisma.$executeRawUnsafe(UPDATE ...)', parameters); // as Prisma's raw-query args mapper does
  parameters = undefined;
  await settle();
  const heldBefore = ref.deref() !== undefined;
  const histories = await findPrismaDebugHistories(${JSON.stringify(join(__dirname, 'prisma-kms.config.ts'))}, process.cwd());
  histories.forEach((clear) => clear());
  await settle();
  process.stdout.write(JSON.stringify({ heldBefore, heldAfter: ref.deref() !== undefined, found: histories.length }));
})();
`;

describe("Prisma's debug histories", () => {
  it("the client runtime's bundled history holds a raw query's arguments until the CLI flushes it", () => {
    const { DEBUG: _debug, ...env } = process.env;
    const child = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD], { cwd: join(__dirname, '..', '..'), env, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout) as { heldBefore: boolean; heldAfter: boolean; found: number };
    // if Prisma stops keeping the history, heldBefore turns false: the flush is then no longer needed
    expect(result).toEqual({ heldBefore: true, heldAfter: false, found: expect.any(Number) });
    expect(result.found).toBeGreaterThanOrEqual(1);
  });
});
