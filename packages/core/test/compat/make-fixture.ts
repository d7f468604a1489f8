/**
 * Writes the compatibility fixture: a memory directory written by a given build of @srm/core (a
 * fitted dense store, a flat one, and a glossary, with deletes and upserts), and the answers that
 * build gave, so that directory-compat.test.ts can check that this build opens it and answers
 * the same. Usage, from packages/core (the build of main at fa37d55 wrote the committed one):
 *   npx tsx test/compat/make-fixture.ts <file URL of that build's dist/esm/index.js> <out dir>
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENTS, answersOf, D, rows, STORES, type CoreModule } from './answers.js';

const [entry, out] = process.argv.slice(2);
if (!entry || !out) throw new Error('usage: make-fixture.ts <core entry URL> <out dir>');
const core = (await import(entry)) as CoreModule;
const work = mkdtempSync(join(tmpdir(), 'srm-compat-'));
try {
  const storage = await core.EmbeddedStorage.open(work);
  const dense = await core.SemanticRoutingMemory.open({ storage, name: 'default', d: D, ...STORES.default });
  const first = rows(300, 1);
  await dense.add(first, {
    ids: first.map((_, i) => `doc-${i}`),
    payloads: first.map((_, i) => ({ i, tags: [`t${i % 5}`], nested: { lang: i % 2 ? 'en' : 'fr', note: `élément ${i} ✓` } })),
  });
  await dense.delete(['doc-3', 'doc-4', 'doc-250']);
  const changed = rows(20, 2);
  await dense.add(changed, { ids: changed.map((_, i) => `doc-${10 + i}`), payloads: changed.map((_, i) => ({ updated: i })) });
  await dense.idle();
  await dense.close();
  const flat = await core.SemanticRoutingMemory.open({ storage, name: 'flat', d: D, ...STORES.flat });
  const few = rows(20, 3);
  await flat.add(few, { ids: few.map((_, i) => `flat-${i}`), payloads: few.map((_, i) => ({ i })) });
  await flat.close();
  const glossary = await core.SemanticMemory.open({ storage });
  await glossary.memorizeMany([
    { key: 'JWT', value: 'JSON Web Token', agentId: AGENTS[0], category: 'acronym', aliases: ['json web token'], description: 'A signed token.' },
    { key: 'SLO', value: 'service level objective', agentId: AGENTS[0], category: 'ops' },
    { key: 'TTL', value: 'time to live', agentId: AGENTS[0] },
    { key: 'p95', value: 'the 95th percentile of latency', agentId: AGENTS[0], description: 'what a latency budget is written against' },
    ...Array.from({ length: 20 }, (_, i) => ({
      key: `widget ${i}`,
      value: `a widget of kind ${i}`,
      agentId: i % 2 ? AGENTS[1] : AGENTS[0],
      aliases: [`w${i}`],
    })),
  ]);
  await glossary.forget('widget 2', AGENTS[0]);
  await glossary.close();
  await storage.close();
  const answers = await answersOf(core, work);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(work, join(out, 'directory'), { recursive: true, filter: (src) => !src.endsWith('LOCK') });
  writeFileSync(join(out, 'answers.json'), `${JSON.stringify(answers)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
