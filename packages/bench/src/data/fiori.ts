/**
 * The 778 all-MiniLM-L6-v2 vectors (384-d) of `@sap-ux/fiori-docs-embeddings`,
 * read straight from its data files (its JS entry asks for Node 22).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@srm/core/datasets';
import { sampleIndices } from '../rng.js';
import { gatherRows, normalizeRows } from '../vectors.js';
import type { DenseDataset } from './dense-dataset.js';
import { fioriDataDir } from './paths.js';

/** Seed of the held-out query sample. */
export const FIORI_SPLIT_SEED = 7;
/** Held-out document chunks used as queries. */
export const FIORI_QUERIES = 100;

/** Reads vectors and record ids, checking the sizes the metadata promises. */
export function readFioriVectors(dir = fioriDataDir()): { d: number; vectors: Float32Array; ids: string[] } {
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { dimensions: number; totalVectors: number };
  const buf = readFileSync(join(dir, 'embeddings.bin'));
  const d = meta.dimensions;
  if (buf.byteLength !== meta.totalVectors * d * 4) {
    throw new Error(`embeddings.bin has ${buf.byteLength} bytes, expected ${meta.totalVectors} x ${d} float32`);
  }
  const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const ids = readFileSync(join(dir, 'records.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  if (ids.length !== meta.totalVectors) throw new Error(`records.jsonl has ${ids.length} records, expected ${meta.totalVectors}`);
  return { d, vectors, ids };
}

/** The fiori vectors with a seeded sample of chunks held out as queries. */
export function loadFioriDataset(): DenseDataset {
  const { d, vectors, ids } = readFioriVectors();
  const n = ids.length;
  const order = sampleIndices(n, n, new Rng(FIORI_SPLIT_SEED));
  const queryRows = order.subarray(0, FIORI_QUERIES);
  const baseRows = Uint32Array.from(order.subarray(FIORI_QUERIES)).sort();
  return {
    name: 'fiori-minilm-384',
    description: `@sap-ux/fiori-docs-embeddings: ${n} all-MiniLM-L6-v2 vectors (384-d); ${baseRows.length} indexed, ${FIORI_QUERIES} held-out chunks as queries (seed ${FIORI_SPLIT_SEED}), cosine`,
    d,
    base: normalizeRows(gatherRows(vectors, d, baseRows), d),
    queries: normalizeRows(gatherRows(vectors, d, queryRows), d),
    baseLabels: Array.from(baseRows, (r) => ids[r]!),
    queryLabels: Array.from(queryRows, (r) => ids[r]!),
  };
}
