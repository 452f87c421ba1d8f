import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratorConfig, GeneratorManifest, GeneratorOptions } from '@prisma/generator-helper';
import { buildFieldMap } from './build-field-map';
import { HEADER, renderFieldMapFiles, SUPERSEDED_FILES } from './emit';

/** Where the field map goes when the generator block has no `output`, relative to the schema. */
export const DEFAULT_OUTPUT = './generated/field-map';

/**
 * The generator's two hooks, as `generatorHandler` from `@prisma/generator-helper` expects them.
 * Only I/O lives here: the analysis is `buildFieldMap`, the rendering `renderFieldMapFiles`.
 */
export const fieldMapGenerator = {
  async onManifest(_config: GeneratorConfig): Promise<GeneratorManifest> {
    return { prettyName: 'prisma-kms field map', defaultOutput: DEFAULT_OUTPUT, version: await packageVersion() };
  },

  async onGenerate(options: GeneratorOptions): Promise<void> {
    // Prisma resolves `output` (or the manifest's defaultOutput) to an absolute path before calling us.
    const output = options.generator.output?.value ?? DEFAULT_OUTPUT;
    const provider = options.datasources[0]?.activeProvider ?? 'unknown';
    const files = renderFieldMapFiles(buildFieldMap(options.dmmf.datamodel, provider));
    await mkdir(output, { recursive: true });
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(output, name), text)));
    await removeSupersededFiles(output);
  },
};

/**
 * An `index.js` left by an earlier version beside the new `index.ts` would win module resolution in
 * some tools and be stale: remove it (and its `.d.ts`), but only files this generator wrote.
 */
async function removeSupersededFiles(output: string): Promise<void> {
  for (const name of SUPERSEDED_FILES) {
    const path = join(output, name);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text?.startsWith(HEADER)) await rm(path);
  }
}

async function packageVersion(): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined; // the version is informational; Prisma runs the generator without it
  }
}
