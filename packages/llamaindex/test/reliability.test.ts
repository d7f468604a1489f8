/**
 * Reliability of the LlamaIndex adapters under hostile input: SRMVectorStore
 * add / query / delete (and the glossary SemanticMemoryRetriever) with NaN
 * and wrong-length embeddings, ill-formed and 1 MB texts, __proto__ /
 * constructor / prototype metadata keys, node ids with "::", "/", "..", NUL,
 * and MetadataFilters of the wrong shape. Each call works or throws an
 * SRMError; the memory's invariants hold; accepted nodes read back intact;
 * no prototype is polluted. The embedding model is a small, real
 * BaseEmbedding subclass defined here (no network, no download).
 */
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import { TextNode, VectorStoreQueryMode } from 'llamaindex';
import type { BaseNode, MetadataFilters, VectorStoreQuery } from 'llamaindex';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SemanticMemory, SRMError } from '@srm/core';
import type { SemanticRoutingMemory } from '@srm/core';
import { SemanticMemoryRetriever, SRMVectorStore } from '../src/index.js';
import type { SRMQueryParams } from '../src/index.js';
import { expectNoPollution, expectSrmInvariants, expectTyped, outcome, prototypeSnapshot } from '@srm/testkit/reliability/helpers';
import { withOwnKey } from '@srm/testkit/reliability/hostile-arbitraries';

/** Cases per property: SRM_PROPERTY_RUNS when set (scripts/reliability-long-run.mjs), else the bounded count. */
const runs = (bounded: number): number => (process.env.SRM_PROPERTY_RUNS ? Number(process.env.SRM_PROPERTY_RUNS) : bounded);
/** The long run's properties take minutes each. */
const PROPERTY_TIMEOUT = process.env.SRM_PROPERTY_RUNS ? 3_600_000 : 60_000;

const D = 8;

/** A deterministic bag-of-characters embedding: a real BaseEmbedding, so LlamaIndex's own batching and checks run. */
class CharHashEmbedding extends BaseEmbedding {
  constructor() {
    super();
    this.embedInfo = { dimensions: D };
  }

  override async getTextEmbedding(text: string): Promise<number[]> {
    const v = new Array<number>(D).fill(0);
    for (let i = 0; i < text.length; i++) v[(text.charCodeAt(i) * 31 + i) % D]! += 1;
    return v;
  }
}

// ---------- hostile arbitraries ----------

const ONE_MIB = 'lorem ipsum '.repeat(87_382);
/** Stands for ONE_MIB in generated values, so that a failing case prints a token, not a megabyte. */
const BIG = '<1 MiB of text>';
const expand = (x: unknown): unknown => (x === BIG ? ONE_MIB : x);

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.constantFrom('', ' ', '::', 'a::b', '/', 'a/b', '..', '../..', '\u0000', 'a\u0000b', '\uD800', 'x\uDC00', '__proto__', 'constructor', 'prototype'),
);
const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.lorem({ maxCount: 5 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constant(BIG) },
);
const hostileMetadata: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) as fc.Arbitrary<Record<string, unknown>> },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      JSON.parse('{"__proto__": {"polluted": "yes"}}'),
      withOwnKey('__proto__', { isAdmin: true }),
      { constructor: { prototype: { polluted: 'yes' } } },
      { prototype: { polluted: 'yes' } },
    ),
  },
);
const hostileNumber = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e308, 5e-324, -0, 3.5e38));
const hostileEmbedding: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('model') }, // embed with the model
  { weight: 1, arbitrary: fc.array(hostileNumber, { minLength: D, maxLength: D }) },
  { weight: 1, arbitrary: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: D + 2 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      [],
      undefined,
      null,
      Array.from({ length: D }, () => 0),
    ),
  },
);
const filterValue = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.constantFrom<unknown>(null, NaN, {}, undefined),
);
const hostileFilters: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({
    filters: fc.array(
      fc.record({
        key: fc.oneof(fc.string({ maxLength: 5 }), hostileString, fc.constantFrom<unknown>(1, null)),
        value: filterValue,
        operator: fc.constantFrom<unknown>('==', '!=', '>', '<', 'in', 'nin', 'any', 'all', 'contains', 'text_match', 'is_empty', '$where', 'LIKE', undefined),
      }),
      { maxLength: 3 },
    ),
    condition: fc.constantFrom<unknown>(undefined, 'and', 'or', 'xor', 1),
  }),
  fc.constantFrom<unknown>(
    [],
    'a == 1',
    { filters: 'all' },
    { filters: [null] },
    { filters: [{ filters: [{ key: 'a', value: 1, operator: '==' }], condition: 'or' }] },
    JSON.parse('{"__proto__": {"polluted": true}, "filters": []}'),
    { filters: [{ key: '__proto__.polluted', value: true, operator: '==' }] },
  ),
  fc.anything({ maxDepth: 2 }),
);
const hostileK: fc.Arbitrary<unknown> = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom<unknown>(undefined, 1.5, NaN, Infinity, 10_001, '4', null));

type Cmd =
  | { kind: 'add'; nodes: { text: unknown; metadata: Record<string, unknown>; id: unknown; ref: unknown; embedding: unknown }[] }
  | { kind: 'query'; text: unknown; embedding: unknown; k: unknown; filters: unknown; mode: unknown; docIds: unknown; customParams: unknown }
  | { kind: 'delete'; ref: unknown };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      nodes: fc.array(
        fc.record({
          text: hostileText,
          metadata: hostileMetadata,
          id: fc.oneof(fc.uuid(), hostileString),
          ref: fc.constantFrom('doc-a', 'doc::b', '../doc', 'doc\u0000c'),
          embedding: hostileEmbedding,
        }),
        { maxLength: 3 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      text: hostileText,
      embedding: hostileEmbedding,
      k: hostileK,
      filters: fc.option(hostileFilters, { nil: undefined }),
      mode: fc.constantFrom<unknown>(undefined, VectorStoreQueryMode.DEFAULT, VectorStoreQueryMode.MMR, VectorStoreQueryMode.SPARSE, 'nonsense'),
      docIds: fc.constantFrom<unknown>(undefined, [], ['doc-a'], [1], 'doc-a'),
      customParams: fc.constantFrom<unknown>(
        undefined,
        { m: 1 },
        { m: 0 },
        { maxCandidates: -1 },
        { refine: 1.5 },
        'fast',
        JSON.parse('{"__proto__": {"m": 1}}'),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      ref: fc.oneof(fc.constantFrom('doc-a', 'doc::b', '../doc', 'doc\u0000c'), hostileString, fc.constantFrom<unknown>(null, 1)),
    }),
  },
);

async function run(store: SRMVectorStore, model: CharHashEmbedding, c: Cmd, stored: Map<string, { text: string; ref: string }>): Promise<void> {
  switch (c.kind) {
    case 'add': {
      const nodes: BaseNode[] = [];
      for (const n of c.nodes) {
        const text = expand(n.text) as string;
        const node = new TextNode({ text, metadata: n.metadata, id_: n.id as string });
        node.relationships = { SOURCE: { nodeId: n.ref as string } } as never;
        node.embedding = (n.embedding === 'model' ? await model.getTextEmbedding(text) : n.embedding) as number[];
        nodes.push(node);
      }
      const o = await outcome(() => store.add(nodes));
      expectTyped(o, 'add');
      if (o.ok) o.value.forEach((id, i) => stored.set(id, { text: (nodes[i] as TextNode).text, ref: c.nodes[i]!.ref as string }));
      break;
    }
    case 'query': {
      const text = expand(c.text) as string;
      const queryEmbedding = c.embedding === 'model' ? await model.getTextEmbedding(text) : c.embedding;
      const q = {
        queryEmbedding,
        similarityTopK: c.k,
        filters: c.filters,
        mode: c.mode,
        docIds: c.docIds,
        customParams: c.customParams,
      } as unknown as VectorStoreQuery<SRMQueryParams>;
      const o = await outcome(() => store.query(q));
      expectTyped(o, 'query');
      if (o.ok) {
        expect(o.value.ids).toHaveLength(o.value.nodes!.length);
        o.value.nodes!.forEach((node, i) => {
          expect(node.id_).toBe(o.value.ids[i]);
          expect((node as TextNode).text).toBe(stored.get(node.id_)?.text);
          expect(Object.getPrototypeOf(node.metadata)).toBe(Object.prototype);
          expect(Number.isFinite(o.value.similarities[i])).toBe(true);
        });
      }
      break;
    }
    case 'delete': {
      const o = await outcome(() => store.delete(c.ref as string));
      expectTyped(o, 'delete');
      if (o.ok) for (const [id, s] of stored) if (s.ref === c.ref) stored.delete(id);
      break;
    }
  }
}

describe('SRMVectorStore (LlamaIndex) under hostile input', () => {
  it(
    'every call works or throws an SRMError; the memory stays sound and prototypes clean',
    async () => {
      const protos = prototypeSnapshot();
      const model = new CharHashEmbedding();
      const tally = { stored: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 20, size: 'medium' }), async (cmds) => {
          // No auto-fit: core's own property covers the fit; this one is about the adapter's handling.
          const store = new SRMVectorStore({ embedModel: model, srm: { d: D, K: 2, autoFitAt: 0 } });
          const stored = new Map<string, { text: string; ref: string }>();
          try {
            for (const c of cmds) await run(store, model, c, stored);
            expect((await expectSrmInvariants(store.memory)).size).toBe(stored.size);
            tally.stored += stored.size;
            expectNoPollution(protos);
          } finally {
            await store.close();
          }
        }),
        { numRuns: runs(80), seed: 1_234 },
      );
      expect(tally.stored).toBeGreaterThan(30);
    },
    PROPERTY_TIMEOUT,
  );

  it('1 MB node texts are stored whole or refused with a typed error, never truncated', async () => {
    const model = new CharHashEmbedding();
    const store = new SRMVectorStore({ embedModel: model, srm: { d: D, K: 1 } });
    try {
      const fits = new TextNode({ text: 'z'.repeat(900_000), id_: 'fits' });
      fits.embedding = await model.getTextEmbedding('fits');
      await store.add([fits]);
      const huge = new TextNode({ text: ONE_MIB, id_: 'huge' });
      huge.embedding = await model.getTextEmbedding('huge');
      await expect(store.add([huge])).rejects.toThrow(SRMError);
      const { nodes } = await store.query({ queryEmbedding: fits.embedding, similarityTopK: 5, mode: VectorStoreQueryMode.DEFAULT });
      expect(nodes!.map((n) => n.id_)).toEqual(['fits']);
      expect((nodes![0] as TextNode).text).toHaveLength(900_000);
    } finally {
      await store.close();
    }
  });
});

describe('SemanticMemoryRetriever (LlamaIndex) under hostile input', () => {
  it(
    'hostile queries and agent ids retrieve only the agent’s entries or throw an SRMError',
    async () => {
      const protos = prototypeSnapshot();
      const glossary = await SemanticMemory.open();
      try {
        await glossary.memorize({ agentId: 'alice', key: 'JWT', value: 'JSON Web Token' });
        await glossary.memorize({ agentId: 'Alice', key: 'JWT', value: "Alice's secret" });
        await fc.assert(
          fc.asyncProperty(fc.oneof(hostileString, fc.constantFrom('alice', 'Alice')), hostileText, async (agentId, query) => {
            const made = await outcome(() => new SemanticMemoryRetriever({ memory: glossary, agentId }));
            expectTyped(made, 'new SemanticMemoryRetriever');
            if (!made.ok) return;
            const o = await outcome(() => made.value.retrieve({ query: expand(query) as string }));
            expectTyped(o, 'retrieve');
            if (o.ok) for (const hit of o.value) expect(hit.node.metadata.agentId ?? agentId).toBe(agentId);
          }),
          { numRuns: runs(150), seed: 8 },
        );
        expectNoPollution(protos);
      } finally {
        await glossary.close();
      }
    },
    PROPERTY_TIMEOUT,
  );
});

// Type-only use, so that a changed LlamaIndex filter type shows at compile time.
export type { MetadataFilters };
