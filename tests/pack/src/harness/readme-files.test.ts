import { readmeFiles } from './readme-files';

describe('readmeFiles', () => {
  it('takes the fenced block after each file marker, and nothing else', () => {
    const markdown = ['# App', '```ts', 'ignored();', '```', '<!-- file: src/db.ts -->', '```ts', 'export const a = 1;', '', 'a;', '```', 'text', '<!-- file: prisma/schema.prisma -->', '```prisma', 'model A { id Int @id }', '```'].join('\n');
    expect([...readmeFiles(markdown)]).toEqual([
      ['src/db.ts', 'export const a = 1;\n\na;\n'],
      ['prisma/schema.prisma', 'model A { id Int @id }\n'],
    ]);
  });

  it('refuses two blocks for one file', () => {
    expect(() => readmeFiles('<!-- file: a.ts -->\n```ts\n1\n```\n<!-- file: a.ts -->\n```ts\n2\n```')).toThrow('two blocks for a.ts');
  });
});
