/**
 * docs/glossary.md, the opening example: memorize, recall through an alias, forget in any case.
 * Run from examples/: `npx tsx src/snippets/glossary-intro.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SemanticMemory } from '@srm/core';

// The docs use relative paths: work in a fresh folder under examples/.data (gitignored).
const data = fileURLToPath(new URL('../../.data', import.meta.url));
mkdirSync(data, { recursive: true });
const scratch = mkdtempSync(join(data, 'glossary-intro-'));
process.chdir(scratch);

const glossary = await SemanticMemory.open({ path: './memory' }); // or { storage }, or {} for in-memory
await glossary.memorize({
  key: 'PII',
  value: 'Personally Identifiable Information',
  agentId: 'compliance_bot',
  category: 'abbreviation',
  aliases: ['private data', 'sensitive info'],
  description: 'Any data that could be used to identify a specific individual.',
});
const hits = await glossary.recall('How do we handle private data?', { agentId: 'compliance_bot', topK: 3, minRelevance: 0.2 });
await glossary.forget('pii', 'compliance_bot'); // any case
await glossary.close();

console.log(`recall: ${hits.map((h) => `${h.key} (relevance ${h.relevance?.toFixed(2)})`).join(', ')}`);
const reopened = await SemanticMemory.open({ path: './memory' });
console.log(`after forget: ${await reopened.entryCount('compliance_bot')} entries`);
await reopened.close();

rmSync(scratch, { recursive: true, force: true });
