/**
 * docs/llamaindex.md, "SemanticMemoryRetriever": an agent's glossary on disk as
 * a LlamaIndex retriever, next to 2,000 acronyms of Debian's V.E.R.A. so that
 * BM25 has a real vocabulary to score against. Run from examples/:
 * `npx tsx src/snippets/llamaindex-retriever.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import { MetadataMode } from 'llamaindex';
import { SemanticMemory } from '@srm/core';
import { SemanticMemoryRetriever } from '@srm/llamaindex';

// The docs use relative paths: work in a fresh folder under examples/.data (gitignored).
const data = fileURLToPath(new URL('../../.data', import.meta.url));
mkdirSync(data, { recursive: true });
const scratch = mkdtempSync(join(data, 'llamaindex-retriever-'));
process.chdir(scratch);

const glossary = await SemanticMemory.open({ path: './memory' });
await glossary.memorize({
  key: 'JWT',
  value: 'JSON Web Token',
  description: 'A compact signed token that carries claims; ours expire after 15 minutes.',
  agentId: 'support-bot',
});
const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: 'support-bot', topK: 4, minRelevance: 0.2 });
const [best] = await retriever.retrieve('How long should a JWT stay valid?');
console.log(best?.node.getContent(MetadataMode.NONE)); // "JWT: JSON Web Token. A compact signed token that carries claims; ..."

// A real vocabulary for BM25 to score against, and another agent whose entries support-bot never sees.
const acronyms = readDictd(join(DICTD_DIR, 'vera')).filter((e) => e.titleLines.length === 2 && /^[A-Z][A-Z0-9]{1,7}$/.test(e.titleLines[0]!));
const unique = new Map(acronyms.map((e) => [e.titleLines[0]!.toLowerCase(), e]));
unique.delete('jwt');
await glossary.memorizeMany([...unique.values()].slice(0, 2000).map((e) => ({ key: e.titleLines[0]!, value: e.titleLines[1]!, agentId: 'support-bot' })));
await glossary.memorize({ key: 'JWT', value: 'Jet Wash Turbine', agentId: 'hangar-bot' });
console.log(`${await glossary.entryCount('support-bot')} entries for support-bot`);
for (const question of ['How long should a JWT stay valid?', 'Which Domain Name System server answers?']) {
  console.log(question);
  for (const hit of await retriever.retrieve(question)) {
    console.log(`  ${hit.score?.toFixed(2)} (relevance ${Number(hit.node.metadata.relevance).toFixed(2)}) ${hit.node.getContent(MetadataMode.NONE)}`);
  }
}
await glossary.close();
rmSync(scratch, { recursive: true, force: true });
