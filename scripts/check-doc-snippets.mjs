// Checks that every code block in the docs is taken from a file that the tests or the
// example check run, so the docs cannot rot.
//
// The convention: a ```ts block (also typescript, js, javascript) starts with a marker line
// naming its source, relative to the repository root:
//
//     ```ts
//     // from examples/src/snippets/getting-started.ts
//     const memory = await SemanticRoutingMemory.open({ path: dir, d: embedder.dim, K: 32 });
//     ```
//
// and its other lines must appear verbatim, consecutively, in that file (a uniform extra
// indentation in the source is allowed, so a block may be cut out of a nested scope). A line
// `// ...` splits a block into pieces that must appear in that order. Shell blocks (sh, bash,
// shell) may carry `# from path` (with `# ...` as the elision line) and are then checked the
// same way; without a marker they are not checked. Other blocks (text, json, ...) are output
// samples and are not checked. A ts block without a marker is an error.
//
//   node scripts/check-doc-snippets.mjs            # docs/*.md and README.md
//   node scripts/check-doc-snippets.mjs a.md b.md  # only these
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);
/** Folders whose files are run by the tests or the example check. */
const RUN_ROOTS = [/^examples\/src\//, /^examples\/test\//, /^packages\/[^/]+\/src\//, /^scripts\//];

/** The Markdown files checked by default: docs/*.md and README.md. */
export function defaultDocFiles(root = repoRoot) {
  const docs = join(root, 'docs');
  const files = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join(docs, f))
    : [];
  const readme = join(root, 'README.md');
  return existsSync(readme) ? [readme, ...files] : files;
}

/** Fenced code blocks of a Markdown text: language, first content line (1-based), lines. */
export function codeBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`);
      if (close.test(lines[j])) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    blocks.push({ lang: lang.toLowerCase(), line: i + 2, lines: body });
    i = j;
  }
  return blocks;
}

/** Where `needle` (consecutive lines) occurs in `hay` at or after `from`, allowing one uniform indent; -1 if nowhere. */
function findRun(hay, needle, from) {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    let indent;
    for (let k = 0; k < needle.length; k++) {
      const want = needle[k];
      const got = hay[i + k];
      if (want.trim() === '') {
        if (got.trim() !== '') continue outer;
        continue;
      }
      if (indent === undefined) {
        if (!got.endsWith(want)) continue outer;
        indent = got.slice(0, got.length - want.length);
        if (indent.trim() !== '') continue outer;
      }
      if (got !== indent + want) continue outer;
    }
    return i;
  }
  return -1;
}

/** Problems of one block, as strings (empty when the block is fine). */
export function checkBlock(block, root = repoRoot) {
  const isCode = CODE_LANGS.has(block.lang);
  const isShell = SHELL_LANGS.has(block.lang);
  if (!isCode && !isShell) return { checked: false, problems: [] };
  const comment = isCode ? '//' : '#';
  const first = block.lines.findIndex((l) => l.trim() !== '');
  const marker = first < 0 ? null : new RegExp(`^\\s*${comment}\\s*from\\s+(\\S+)\\s*$`).exec(block.lines[first]);
  if (!marker) {
    if (isShell) return { checked: false, problems: [] };
    return { checked: true, problems: [`\`\`\`${block.lang} block has no source marker; start it with "// from <file>" naming the file it is taken from`] };
  }
  const source = marker[1];
  const problems = [];
  if (!RUN_ROOTS.some((r) => r.test(source)))
    problems.push(`source ${source} is not under examples/src, examples/test, packages/*/src or scripts (files the tests run)`);
  const file = join(root, source);
  if (!existsSync(file)) return { checked: true, problems: [...problems, `source ${source} does not exist`] };
  const hay = readFileSync(file, 'utf8').split(/\r?\n/);
  const elision = new RegExp(`^\\s*${comment}\\s*\\.\\.\\.\\s*$`);
  const pieces = [[]];
  for (const l of block.lines.slice(first + 1)) {
    if (elision.test(l)) pieces.push([]);
    else pieces[pieces.length - 1].push(l);
  }
  let from = 0;
  for (const piece of pieces) {
    while (piece.length > 0 && piece[0].trim() === '') piece.shift();
    while (piece.length > 0 && piece[piece.length - 1].trim() === '') piece.pop();
    if (piece.length === 0) continue;
    const at = findRun(hay, piece, from);
    if (at < 0) {
      const missing = piece.find((l) => l.trim() !== '' && !hay.some((h) => h.trimStart() === l.trimStart())) ?? piece[0];
      problems.push(`lines not found verbatim (in order) in ${source}; first unmatched: ${JSON.stringify(missing.trim())}`);
      break;
    }
    from = at + piece.length;
  }
  return { checked: true, problems };
}

/** Checks Markdown files; returns the problems as `file:line: message` and the number of checked blocks. */
export function checkDocSnippets(files = defaultDocFiles(), root = repoRoot) {
  const problems = [];
  let checked = 0;
  for (const f of files) {
    const rel = relative(root, f);
    for (const block of codeBlocks(readFileSync(f, 'utf8'))) {
      const r = checkBlock(block, root);
      if (r.checked) checked++;
      for (const p of r.problems) problems.push(`${rel}:${block.line}: ${p}`);
    }
  }
  return { problems, checked, files: files.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : defaultDocFiles();
  const { problems, checked } = checkDocSnippets(files);
  for (const p of problems) console.error(p);
  console.log(`check-doc-snippets: ${checked} code block(s) in ${files.length} file(s), ${problems.length} problem(s)`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
