#!/usr/bin/env node
// A test-only Prisma generator that writes the DMMF Prisma hands to generators into
// <output>/dmmf.json, so the pure field-map builder can be tested on a real DMMF without running
// a `prisma generate` per case.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { generatorHandler } = require('@prisma/generator-helper');

generatorHandler({
  onManifest: () => ({ prettyName: 'DMMF capture (test)', defaultOutput: './dmmf' }),
  onGenerate: async (options) => {
    const output = options.generator.output.value;
    mkdirSync(output, { recursive: true });
    const provider = options.datasources[0] ? options.datasources[0].activeProvider : 'unknown';
    writeFileSync(join(output, 'dmmf.json'), JSON.stringify({ provider, datamodel: options.dmmf.datamodel }));
  },
});
