// An ES module app imports each subpath of @srm/core through its "import" build.
import assert from 'node:assert/strict';
import * as core from '@srm/core';
import { readDictd, Rng } from '@srm/core/datasets';
import { murmur3, WordTokenizer } from '@srm/core/glossary';
import { migrateStorage, EmbeddedItemStore } from '@srm/core/storage';

assert.equal(typeof migrateStorage, 'function');
assert.equal(typeof EmbeddedItemStore, 'function');
assert.deepEqual(new WordTokenizer().tokenize('Routing Memory'), ['routing', 'memory']);
assert.equal(typeof murmur3('srm'), 'number');
assert.equal(typeof readDictd, 'function');
assert.equal(new Rng(7).next(), new Rng(7).next());
assert.equal('Rng' in core, false, 'benchmark helpers are not on the root entry point');
console.log('subpaths: ok');
