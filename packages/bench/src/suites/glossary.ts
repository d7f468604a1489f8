/**
 * The glossary suite (SemanticMemory against wink-bm25-text-search and
 * minisearch) lives in src/glossary/, owned by the glossary engineer; this
 * only calls it. It writes its own glossary.json and glossary.md.
 */
import { runGlossaryBench } from '../glossary/index.js';
import type { SuiteContext } from './context.js';

export async function runGlossarySuite(ctx: SuiteContext): Promise<void> {
  ctx.progress.start('glossary');
  try {
    await runGlossaryBench({ size: ctx.size, outDir: ctx.outDir, log: ctx.log });
  } finally {
    ctx.progress.stop();
  }
}
