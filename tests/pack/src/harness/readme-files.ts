/**
 * The README's usage code, as files: a fenced block right after `<!-- file: <path> -->` is the content
 * of `<path>` in the user's app. The pack test writes exactly these into its apps, so the README
 * cannot drift from code that runs.
 */
const FILE_BLOCK = /<!-- file: (\S+) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g;

export function readmeFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, path, body] of markdown.matchAll(FILE_BLOCK)) {
    if (files.has(path!)) throw new Error(`README: two blocks for ${path}`);
    files.set(path!, `${body}\n`);
  }
  return files;
}
