// A CommonJS app loads the three packages through their "require" builds.
const assert = require('node:assert/strict');
const { dirname, join } = require('node:path');
const core = require('@srm/core');
const langchain = require('@srm/langchain');
const llamaindex = require('@srm/llamaindex');
assert.equal(typeof core.SemanticRoutingMemory.open, 'function');
assert.equal(typeof langchain.SRMVectorStore, 'function');
assert.equal(typeof llamaindex.SRMVectorStore.open, 'function');

// Each subpath of @srm/core, through its CommonJS build.
assert.equal(typeof require('@srm/core/storage').migrateStorage, 'function');
assert.equal(typeof require('@srm/core/glossary').WordTokenizer, 'function');
assert.equal(typeof require('@srm/core/datasets').readDictd, 'function');
assert.equal(core.murmur3, undefined, 'BM25 internals are not on the root entry point');

// A refit runs its k-means and routing in a worker thread, whose entry the CommonJS build must
// find next to its own files; the refit then answers as before.
(async () => {
  const { startWorkerTrainer } = require(join(dirname(require.resolve('@srm/core')), 'srm', 'training-worker.js'));
  const worker = await startWorkerTrainer({ d: 8, K: 4, rerank: 'sq4', pqSubvectors: 4, seed: 1, kmeansIterations: 5, normalize: true });
  assert.ok(worker, 'the refit worker thread starts from the CommonJS build');
  worker.close();
  const memory = new core.SemanticRoutingMemory({ d: 8, K: 4, autoFitAt: 64, growthRefitRatio: 0, driftRefitRatio: 0 });
  const rows = Array.from({ length: 256 }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 0.37 + j * 1.3 + (i % 7))));
  await memory.add(rows, { ids: rows.map((_, i) => `r${i}`) });
  await memory.refit();
  for (const i of [0, 99, 255]) assert.equal((await memory.query(rows[i], { k: 1 }))[0].id, `r${i}`);
  assert.deepEqual((await memory.verify()).problems, []);
  await memory.close();
  console.log('require: ok');
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
