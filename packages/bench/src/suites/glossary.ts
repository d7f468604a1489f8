/**
 * The glossary suite (SemanticMemory against wink-bm25-text-search and
 * minisearch) lives in src/glossary/, owned by the glossary engineer; this
 * only calls it.
 */
import type { SuiteContext } from './context.js';

export async function runGlossarySuite(ctx: SuiteContext): Promise<void> {
  ctx.progress.start('glossary');
  try {
    const { runGlossaryBench } = await import('../glossary/index.js');
    const result = await runGlossaryBench({ size: ctx.size, outDir: ctx.outDir });
    ctx.log(`\n## glossary\n\n${JSON.stringify(result, null, 2).slice(0, 4000)}`);
  } finally {
    ctx.progress.stop();
  }
}
