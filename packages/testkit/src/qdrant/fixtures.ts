/**
 * Shared helpers of the Qdrant backend tests: the OpenAPI contract loaded
 * from the fixture, an emulator that validates against it, and small data
 * builders.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { glossaryId } from '@srm/core/glossary';
import type { SRMRecord, StoredGlossaryEntry } from '@srm/core/storage';
import { createOpenApiContract, type OpenApiContract } from './openapi-validator.js';
import { QdrantEmulator } from './emulator.js';

let contract: OpenApiContract | undefined;

/** The validators built from `fixtures/qdrant/openapi.json` (built once per test file). */
export function openApiContract(): OpenApiContract {
  if (!contract) {
    const url = new URL('../../fixtures/qdrant/openapi.json', import.meta.url);
    contract = createOpenApiContract(JSON.parse(readFileSync(url, 'utf8')));
  }
  return contract;
}

/** An emulator that checks every request and response against the OpenAPI description. */
export function startValidatingEmulator(): Promise<QdrantEmulator> {
  const c = openApiContract();
  return QdrantEmulator.start({
    request: (req) => c.checkRequest(req),
    response: (op, status, body) => c.checkResponse(op, status, body),
  });
}

/**
 * Starts a validating emulator before the tests of the enclosing suite (or
 * file) and, after them, checks that no request or response broke the
 * OpenAPI description and closes it. Returns a getter for the emulator.
 */
export function useValidatingEmulator(): () => QdrantEmulator {
  let emu: QdrantEmulator | undefined;
  beforeAll(async () => {
    emu = await startValidatingEmulator();
  });
  afterAll(async () => {
    expect(emu!.violations).toEqual([]);
    await emu!.close();
  });
  return () => emu!;
}

/** A glossary entry with a real UUID5 id and a hand-made term vector. */
export function entry(agentId: string, key: string, terms: [number, number][], over: Partial<StoredGlossaryEntry> = {}): StoredGlossaryEntry {
  return {
    id: glossaryId(agentId, key),
    key,
    value: `${key} means something`,
    category: 'general',
    aliases: [],
    description: '',
    agentId,
    terms: { indices: terms.map(([t]) => t), values: terms.map(([, w]) => w) },
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

/** A deterministic vector of dimension `dim`. */
export function vectorOf(seed: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let x = (seed * 2654435761 + 7) >>> 0;
  for (let i = 0; i < dim; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    v[i] = (x / 0xffffffff) * 2 - 1;
  }
  return v;
}

/** The same vector scaled to unit length (what SemanticRoutingMemory stores under cosine). */
export function unitVectorOf(seed: number, dim: number): Float32Array {
  const v = vectorOf(seed, dim);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

export function srmRecord(n: number, dim: number, over: Partial<SRMRecord> = {}): SRMRecord {
  return { id: `item-${n}`, slot: n, bucket: n % 4, vector: unitVectorOf(n, dim), payload: { n, lang: n % 2 ? 'en' : 'fr' }, ...over };
}
