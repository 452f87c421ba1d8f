/**
 * jest's globalSetup: packs the published packages once for the whole run, into a temporary directory
 * outside the workspace, and hands the tarballs to the test files (each still installs them into its
 * own fresh app) through {@link PACKED_TARBALLS_ENV}; jest-global-teardown.ts removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPublishedPackages, PACKED_TARBALLS_ENV } from './pack-workspace';

/** The directory the tarballs are in, for the teardown (which runs in this same process). */
export const PACKED_TARBALLS_DIR_ENV = 'PRISMA_KMS_PACKED_TARBALLS_DIR';

export default async function packOnce(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'prisma-kms-tarballs-'));
  try {
    const tarballs = await packPublishedPackages(dir);
    // Set before the workers start, so each test file's process inherits it.
    process.env[PACKED_TARBALLS_ENV] = JSON.stringify(Object.fromEntries(tarballs));
    process.env[PACKED_TARBALLS_DIR_ENV] = dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
