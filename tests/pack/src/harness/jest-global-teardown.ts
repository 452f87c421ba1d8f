/** jest's globalTeardown: removes the tarballs jest-global-setup.ts packed for the run. */
import { rmSync } from 'node:fs';
import { PACKED_TARBALLS_DIR_ENV } from './jest-global-setup';

export default function removePackedTarballs(): void {
  const dir = process.env[PACKED_TARBALLS_DIR_ENV];
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
