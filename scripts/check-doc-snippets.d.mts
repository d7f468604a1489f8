/** Types of check-doc-snippets.mjs, for the TypeScript tests that import it. */
export declare const repoRoot: string;
export interface CodeBlock {
  lang: string;
  /** 1-based line of the first content line in the Markdown file. */
  line: number;
  lines: string[];
}
export declare function defaultDocFiles(root?: string): string[];
export declare function codeBlocks(markdown: string): CodeBlock[];
export declare function checkBlock(block: CodeBlock, root?: string): { checked: boolean; problems: string[] };
export declare function checkDocSnippets(files?: string[], root?: string): { problems: string[]; checked: number; files: number };
