/** The CLI's version, from its package.json (the one file both `src/` and `dist/` sit next to). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLI_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
