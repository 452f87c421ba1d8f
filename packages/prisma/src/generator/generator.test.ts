// End to end: the real Prisma CLI runs the built `prisma-kms-generator` bin on temporary schemas.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { buildScheme } from '../field-map';
import type { FieldMap } from '../field-map';
import { assertPrismaCliUsable, cleanup, expectGenerated, GENERATOR_BIN, makeTempDir, prismaGenerate } from './__tests__/prisma-cli';

const SCHEMA = `
generator fieldEncryption {
  provider = "prisma-kms-generator"
  output   = "./out/fields"
}

datasource db {
  provider = "sqlite"
}

model User {
  id        Int     @id @default(autoincrement())
  /// The login.
  /// @encrypted(hash: emailHash, normalize: [lowercase, trim])
  email     String
  emailHash String? @unique @map("email_hash")
  /// @encrypted
  nickname  String?
  posts     Post[]

  @@map("users")
}

model Post {
  id       String @id
  /// @encrypted
  body     String
  authorId Int
  author   User   @relation(fields: [authorId], references: [id])
}
`;

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}

beforeAll(() => assertPrismaCliUsable());
afterAll(() => dirs.forEach(cleanup));

describe('prisma generate with prisma-kms-generator', () => {
  let out: string;
  beforeAll(() => {
    const dir = tempDir('gen');
    expectGenerated(prismaGenerate(dir, SCHEMA));
    out = join(dir, 'out', 'fields');
  }, 60_000);

  it('writes index.ts and field-map.json that hold the same map, and nothing else', () => {
    const json = JSON.parse(readFileSync(join(out, 'field-map.json'), 'utf8')) as FieldMap;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { fieldMap } = require(join(out, 'index.ts')) as { fieldMap: FieldMap };
    expect(fieldMap).toEqual(json);
    expect(readdirSync(out).sort()).toEqual(['field-map.json', 'index.ts']);
    expect(json.provider).toBe('sqlite');
    expect(json.models.User?.encrypted.email?.hash).toEqual({ field: 'emailHash', dbName: 'email_hash', normalize: ['lowercase', 'trim'], bytes: 32, unique: true });
    expect(Object.keys(json.models.User?.encrypted ?? {})).toEqual(['email', 'nickname']);
    expect(json.models.Post?.relations).toEqual({ author: { model: 'User', isList: false } });
  });

  it('exports a deeply frozen map that buildScheme accepts', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { fieldMap } = require(join(out, 'index.ts')) as { fieldMap: FieldMap };
    expect(Object.isFrozen(fieldMap.models.User?.encrypted.email?.hash?.normalize)).toBe(true);
    const scheme = buildScheme(fieldMap);
    expect(scheme.model('User').blindIndexes.get('email')?.field).toBe('emailHash');
    expect(scheme.model('Post').encryptedFields.has('body')).toBe(true);
  });

  it('declares literal types that are assignable to FieldMap', () => {
    const probe = join(out, 'probe.ts');
    const fieldMapTypes = resolve(__dirname, '../field-map/index.ts').replace(/\.ts$/, '');
    writeFileSync(
      probe,
      [
        `import type { FieldMap } from ${JSON.stringify(fieldMapTypes)};`,
        "import { fieldMap } from './index';",
        'const map: FieldMap = fieldMap;',
        "const indexField: 'emailHash' = fieldMap.models.User.encrypted.email.hash.field;",
        "const steps: readonly ['lowercase', 'trim'] = fieldMap.models.User.encrypted.email.hash.normalize;",
        'void map; void indexField; void steps;',
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([probe], { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, skipLibCheck: true, types: [] });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    // The probe can fail: a wrong literal is a type error.
    writeFileSync(probe, "import { fieldMap } from './index';\nconst wrong: 'phoneHash' = fieldMap.models.User.encrypted.email.hash.field;\nvoid wrong;\n");
    const failing = ts.createProgram([probe], { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: [] });
    expect(ts.getPreEmitDiagnostics(failing).length).toBeGreaterThan(0);
  });
});

describe('prisma generate without an output', () => {
  it('writes to the default output next to the schema', () => {
    const dir = tempDir('default-out');
    const schema = SCHEMA.replace('  output   = "./out/fields"\n', '').replace('prisma-kms-generator', `node ${GENERATOR_BIN}`);
    expectGenerated(prismaGenerate(dir, schema));
    expect(existsSync(join(dir, 'generated', 'field-map', 'index.ts'))).toBe(true);
    expect(existsSync(join(dir, 'generated', 'field-map', 'field-map.json'))).toBe(true);
  }, 60_000);
});

describe('prisma generate over the output of an earlier version', () => {
  it('removes the index.js and index.d.ts that version wrote, and leaves files it did not write', () => {
    const dir = tempDir('upgrade');
    const out = join(dir, 'out', 'fields');
    mkdirSync(out, { recursive: true });
    const stale = '// Generated by prisma-kms-generator. Do not edit: change schema.prisma and run `prisma generate`.\n';
    writeFileSync(join(out, 'index.js'), `${stale}exports.fieldMap = {};\n`);
    writeFileSync(join(out, 'index.d.ts'), `${stale}export declare const fieldMap: {};\n`);
    writeFileSync(join(out, 'notes.js'), '// mine\n');
    expectGenerated(prismaGenerate(dir, SCHEMA));
    expect(readdirSync(out).sort()).toEqual(['field-map.json', 'index.ts', 'notes.js']);
  }, 60_000);
});

describe('prisma generate with a bad annotation', () => {
  it('fails, printing the model, the field, the cause and the fix', () => {
    const dir = tempDir('bad');
    const schema = SCHEMA.replace('  posts     Post[]', '  /// @encrypted\n  age       Int\n  posts     Post[]').replace(
      '/// @encrypted\n  body',
      '/// @encrypted(hash: body, normalise: [trim])\n  body',
    );
    const result = prismaGenerate(dir, schema);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('prisma-kms-generator: 2 problems with /// @encrypted annotations:');
    expect(result.output).toContain('User.age: `@encrypted` is on a field of type Int; only String and String? fields can hold ciphertext.');
    expect(result.output).toContain('[UNSUPPORTED_FIELD_TYPE]');
    expect(result.output).toContain('Post.body: `@encrypted(hash: body, normalise: [trim])` has the unknown option `normalise`');
    expect(result.output).toContain('Fix: Did you mean `normalize`? [UNKNOWN_OPTION]');
    expect(existsSync(join(dir, 'out', 'fields', 'index.ts'))).toBe(false);
  }, 60_000);
});
