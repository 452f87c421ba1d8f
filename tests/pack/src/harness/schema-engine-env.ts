import { join } from 'node:path';
import { WORKSPACE_ROOT } from './pack-workspace';
import { runOrThrow } from './run-command';

/** `PRISMA_SCHEMA_ENGINE_BINARY` as tools/schema-engine-wasm chooses it (empty where the native engine is there). */
export async function schemaEngineEnv(): Promise<Record<string, string>> {
  // Already chosen by whoever started the tests (`.ci/run` exports it; `--print-env` then prints nothing).
  const chosen = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (chosen) return { PRISMA_SCHEMA_ENGINE_BINARY: chosen };
  const bin = join(WORKSPACE_ROOT, 'tools', 'schema-engine-wasm', 'bin', 'with-schema-engine.mjs');
  const printed = (await runOrThrow(process.execPath, [bin, '--print-env'], { cwd: WORKSPACE_ROOT })).stdout;
  const match = /^export PRISMA_SCHEMA_ENGINE_BINARY=(".*")$/m.exec(printed);
  return match ? { PRISMA_SCHEMA_ENGINE_BINARY: JSON.parse(match[1]!) as string } : {};
}
