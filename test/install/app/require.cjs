// A CommonJS app loads the three packages through their "require" builds.
const assert = require('node:assert/strict');
const core = require('@srm/core');
const langchain = require('@srm/langchain');
const llamaindex = require('@srm/llamaindex');
assert.equal(typeof core.SemanticRoutingMemory.open, 'function');
assert.equal(typeof langchain.SRMVectorStore, 'function');
assert.equal(typeof llamaindex.SRMVectorStore.open, 'function');
console.log('require: ok');
