import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import type { FieldMap } from '../field-map';
import { renderFieldMapFiles } from './emit';

const map: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    Island: { dbName: 'island-table', primaryKey: [], fields: {}, encrypted: {}, relations: {}, uniques: {} },
    User: {
      dbName: 'users',
      primaryKey: [{ name: 'id', dbName: 'id', type: 'Int', isRequired: true, isUnique: true }],
      fields: { id: { name: 'id', dbName: 'id', type: 'Int', isRequired: true, isUnique: true } },
      encrypted: {},
      relations: {},
      uniques: { 'id-or-"quoted"': ['id'] },
    },
  },
};

describe('renderFieldMapFiles', () => {
  const files = renderFieldMapFiles(map);

  it('index.ts exports the map, deeply frozen, once transpiled to CommonJS', () => {
    const module = { exports: {} as { fieldMap?: FieldMap } };
    const js = ts.transpileModule(files['index.ts'], { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
    runInNewContext(js, { exports: module.exports, module, Object });
    expect(module.exports.fieldMap).toEqual(map);
    expect(Object.isFrozen(module.exports.fieldMap?.models.User?.primaryKey[0])).toBe(true);
  });

  it('field-map.json is the same map', () => {
    expect(JSON.parse(files['field-map.json'])).toEqual(map);
  });

  it('index.ts has no import or require, so every module system and resolution setting loads it', () => {
    expect(files['index.ts']).not.toMatch(/\bimport\b|\brequire\(|\bexports\.|import\.meta/);
  });

  it('index.ts spells empty collections, literals and non-identifier keys as TypeScript', () => {
    const dts = files['index.ts'];
    expect(dts).toContain('export type GeneratedFieldMap = {\n  readonly version: 1;\n  readonly provider: "sqlite";');
    expect(dts).toContain('readonly dbName: "island-table";\n      readonly primaryKey: readonly [];\n      readonly fields: {};');
    expect(dts).toContain('readonly "id-or-\\"quoted\\"": readonly [\n          "id"\n        ];');
    expect(dts).toContain('readonly isRequired: true;');
  });
});
