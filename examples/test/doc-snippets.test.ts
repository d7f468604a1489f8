/**
 * "Every code block in the docs is taken from a file that the tests or the
 * example check run": scripts/check-doc-snippets.mjs on docs/*.md and
 * README.md, and the checker itself on small Markdown samples.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBlock, checkDocSnippets, codeBlocks, defaultDocFiles } from '../../scripts/check-doc-snippets.mjs';

const root = mkdtempSync(join(tmpdir(), 'doc-snippets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'examples/src'), { recursive: true });
writeFileSync(
  join(root, 'examples/src/a.ts'),
  ['import { x } from "y";', '', 'async function main() {', '  const a = 1;', '  const b = a + 1;', '  console.log(b);', '}', 'await main();', ''].join('\n'),
);
writeFileSync(join(root, 'notes.ts'), 'const a = 1;\n');

const block = (lang: string, ...lines: string[]) => codeBlocks(['# Title', '', '```' + lang, ...lines, '```', ''].join('\n'))[0]!;

describe('codeBlocks', () => {
  it('finds fenced blocks with their language and first line', () => {
    const blocks = codeBlocks('text\n```ts\nconst a = 1;\n```\n\n~~~sh\nls\n~~~\n```\nplain\n```\n');
    expect(blocks).toEqual([
      { lang: 'ts', line: 3, lines: ['const a = 1;'] },
      { lang: 'sh', line: 7, lines: ['ls'] },
      { lang: '', line: 10, lines: ['plain'] },
    ]);
  });
});

describe('checkBlock', () => {
  it('accepts a block whose lines appear verbatim in its source, even indented there', () => {
    expect(checkBlock(block('ts', '// from examples/src/a.ts', 'const a = 1;', 'const b = a + 1;'), root).problems).toEqual([]);
  });

  it('accepts pieces split by "// ..." in source order, and rejects them out of order', () => {
    expect(checkBlock(block('ts', '// from examples/src/a.ts', 'import { x } from "y";', '// ...', 'await main();'), root).problems).toEqual([]);
    expect(checkBlock(block('ts', '// from examples/src/a.ts', 'await main();', '// ...', 'import { x } from "y";'), root).problems).toHaveLength(1);
  });

  it('rejects a ts block without a marker, a changed line, a missing file and a file outside the run roots', () => {
    expect(checkBlock(block('ts', 'const a = 1;'), root).problems[0]).toMatch(/no source marker/);
    expect(checkBlock(block('typescript', '// from examples/src/a.ts', 'const a = 2;'), root).problems[0]).toMatch(/first unmatched: "const a = 2;"/);
    expect(checkBlock(block('ts', '// from examples/src/gone.ts', 'x'), root).problems[0]).toMatch(/does not exist/);
    expect(checkBlock(block('ts', '// from notes.ts', 'const a = 1;'), root).problems[0]).toMatch(/not under examples\/src/);
  });

  it('checks shell blocks only when they carry "# from", and never output blocks', () => {
    expect(checkBlock(block('sh', 'npm test'), root)).toEqual({ checked: false, problems: [] });
    expect(checkBlock(block('sh', '# from examples/src/a.ts', 'rm -rf /'), root).problems).toHaveLength(1);
    expect(checkBlock(block('text', 'anything'), root)).toEqual({ checked: false, problems: [] });
  });
});

describe('the docs', () => {
  it('take every code block from a file that the tests or the example check run', () => {
    const files = defaultDocFiles();
    expect(files.some((f) => f.endsWith('getting-started.md'))).toBe(true);
    const { problems, checked } = checkDocSnippets(files);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(5);
  });
});
