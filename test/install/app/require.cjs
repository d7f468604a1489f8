// A CommonJS app loads the three packages through their "require" builds.
const assert = require('node:assert/strict');
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
console.log('require: ok');
