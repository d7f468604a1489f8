// Writes test-fixtures/glossary-v1/memory.sqlite: a glossary written by glossary store format 1
// with the default tokenizer and BM25 settings, kept under test so that every later build proves
// it still opens it and still computes the same terms for its entries (stored weights stay valid).
// Run once, from packages/core:  node --import tsx src/glossary/test-fixtures/make-glossary-v1-fixture.mjs
// Never regenerate an existing fixture: it must stay what version 1 wrote.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SemanticMemory } from '../semantic-memory.ts';
import { FIXTURE_ENTRIES } from './glossary-v1-entries.mjs';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'glossary-v1');
if (existsSync(join(dir, 'memory.sqlite'))) throw new Error(`${dir} already holds a fixture; refusing to overwrite it`);
const memory = await SemanticMemory.open({ path: dir });
await memory.memorizeMany(FIXTURE_ENTRIES);
await memory.close();
rmSync(join(dir, 'LOCK'), { force: true });
console.log(`wrote ${dir}`);
