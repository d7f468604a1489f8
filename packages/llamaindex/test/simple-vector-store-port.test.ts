/**
 * LlamaIndex's own tests of its reference store, run against SRMVectorStore:
 * LlamaIndexTS's `SimpleVectorStore.test.ts` and Python's
 * `llama-index-core/tests/vector_stores/test_simple.py`, rewritten here with
 * their data and expectations. Where ours differs, the test says how, and
 * docs/llamaindex.md ("Compared with SimpleVectorStore") says why.
 */
import { Document, FilterOperator, Settings, TextNode, VectorStoreQueryMode } from 'llamaindex';
import type { MetadataFilters, VectorStoreQuery } from 'llamaindex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SRMVectorStore } from '../src/index.js';
import type { SRMQueryParams } from '../src/index.js';
import { WordHashEmbedding } from './fixtures.js';

beforeAll(() => {
  // Both originals mock the model; ours is never called either (the nodes carry embeddings).
  Settings.embedModel = new WordHashEmbedding();
});
afterAll(() => {
  Settings.embedModel = undefined as never;
});

let store: SRMVectorStore;
afterEach(async () => {
  await store.close();
});

describe('LlamaIndexTS SimpleVectorStore.test.ts', () => {
  function dogs(): TextNode[] {
    const dog = (id: string, text: string, metadata: Record<string, unknown>) => new TextNode({ id_: id, text, embedding: [0.1, 0.2], metadata });
    return [
      dog('1', 'The dog is brown', { name: 'Anakin', dogId: '1', private: 'true', weight: 1.2, type: ['husky', 'puppy'] }),
      dog('2', 'The dog is yellow', { name: 'Luke', dogId: '2', private: 'false', weight: 2.3, type: ['puppy'] }),
      dog('3', 'The dog is red', { name: 'Leia', dogId: '3', private: 'false', weight: 3.4, type: ['husky'] }),
    ];
  }

  beforeEach(() => {
    // The original seeds SimpleVectorStore's metadata dictionary by hand; ours starts empty and learns d = 2.
    store = new SRMVectorStore();
  });

  it('adds nodes and returns their ids', async () => {
    expect(await store.add(dogs())).toEqual(['1', '2', '3']);
  });

  const cases: [string, MetadataFilters | undefined, number][] = [
    ['no filter', undefined, 3],
    ['a key no node has', { filters: [{ key: 'non-exist-key', value: 'cat', operator: '==' }] }, 0],
    ['==', { filters: [{ key: 'private', value: 'false', operator: '==' }] }, 2],
    ['!=', { filters: [{ key: 'private', value: 'false', operator: '!=' }] }, 1],
    ['>', { filters: [{ key: 'weight', value: 2.3, operator: '>' }] }, 1],
    ['>=', { filters: [{ key: 'weight', value: 2.3, operator: '>=' }] }, 2],
    ['<', { filters: [{ key: 'weight', value: 2.3, operator: '<' }] }, 1],
    ['<=', { filters: [{ key: 'weight', value: 2.3, operator: '<=' }] }, 2],
    ['in', { filters: [{ key: 'dogId', value: ['1', '3'], operator: 'in' }] }, 2],
    ['nin', { filters: [{ key: 'name', value: ['Anakin', 'Leia'], operator: 'nin' }] }, 1],
    ['any', { filters: [{ key: 'type', value: ['husky', 'puppy'], operator: 'any' }] }, 3],
    ['all', { filters: [{ key: 'type', value: ['husky', 'puppy'], operator: 'all' }] }, 1],
    ['contains', { filters: [{ key: 'type', value: 'puppy', operator: 'contains' }] }, 2],
    ['text_match', { filters: [{ key: 'name', value: 'Luk', operator: 'text_match' }] }, 1],
    ['is_empty', { filters: [{ key: 'not-exist-key', operator: 'is_empty' }] }, 3],
    [
      'or',
      {
        filters: [
          { key: 'private', value: 'false', operator: '==' },
          { key: 'dogId', value: ['1', '3'], operator: 'in' },
        ],
        condition: 'or',
      },
      3,
    ],
    [
      'and',
      {
        filters: [
          { key: 'private', value: 'false', operator: '==' },
          { key: 'dogId', value: '10', operator: '==' },
        ],
        condition: 'and',
      },
      0,
    ],
  ];
  for (const [title, filters, expected] of cases) {
    it(`filter ${title}: ${expected} nodes`, async () => {
      await store.add(dogs());
      const result = await store.query({ queryEmbedding: [0.1, 0.2], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT, ...(filters ? { filters } : {}) });
      expect(result.ids).toHaveLength(expected);
    });
  }
});

describe('LlamaIndex Python test_simple.py', () => {
  const W1_RANK_A = 'AF3BE6C4-5F43-4D74-B075-6B0E07900DE8';
  const W2_RANK_C = '7D9CD555-846C-445C-A9DD-F8924A01411D';
  const W3_RANK_C = '452D24AB-F185-414C-A352-590B4B9EE51B';

  function testNodes(): TextNode[] {
    const node = (id: string, embedding: number[], source: string, metadata: Record<string, unknown>) =>
      new TextNode({
        id_: id,
        text: 'lorem ipsum',
        embedding,
        metadata,
        relationships: { SOURCE: new Document({ id_: source, text: source }).asRelatedNodeInfo() },
      });
    return [
      node(W1_RANK_A, [1, 0], 'test-0', { weight: 1.0, rank: 'a', quality: ['medium', 'high'], identifier: '6FTR78Yun' }),
      node(W2_RANK_C, [0, 1], 'test-1', { weight: 2.0, rank: 'c', quality: ['medium'], identifier: '6FTR78Ygl' }),
      node(W3_RANK_C, [1, 1], 'test-2', { weight: 3.0, rank: 'c', quality: ['low', 'medium', 'high'], identifier: '6FTR78Ztl' }),
    ];
  }

  /** Python's VectorStoreQuery defaults similarity_top_k to 1; ours takes the memory's topK (10), so the port passes k where it matters. */
  function q(extra: Partial<VectorStoreQuery<SRMQueryParams>> = {}): VectorStoreQuery<SRMQueryParams> {
    return { queryEmbedding: [1, 1], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT, ...extra };
  }
  const eq = (key: string, value: string | number) => ({ key, value, operator: FilterOperator.EQ });

  beforeEach(async () => {
    store = new SRMVectorStore();
    await store.add(testNodes());
  });

  it('without filters returns every node, most similar first', async () => {
    const { ids } = await store.query(q());
    expect([...ids].sort()).toEqual([W1_RANK_A, W2_RANK_C, W3_RANK_C].sort());
    expect(ids[0]).toBe(W3_RANK_C);
  });

  it('with a filter returns every match, in similarity order', async () => {
    expect((await store.query(q({ filters: { filters: [eq('rank', 'c')] } }))).ids).toEqual([W3_RANK_C, W2_RANK_C]);
  });

  it('applies top k after the filter', async () => {
    expect((await store.query(q({ filters: { filters: [eq('rank', 'c')] }, similarityTopK: 1 }))).ids).toEqual([W3_RANK_C]);
  });

  it('applies node ids (Python node_ids, TS docIds) together with the filter', async () => {
    expect((await store.query(q({ filters: { filters: [eq('rank', 'c')] }, docIds: [W3_RANK_C] }))).ids).toEqual([W3_RANK_C]);
  });

  it('exact filters combine with AND by default', async () => {
    expect((await store.query(q({ filters: { filters: [eq('rank', 'c'), eq('weight', 2.0)] }, similarityTopK: 1 }))).ids).toEqual([W2_RANK_C]);
  });

  it('a contradictory filter and a filter on an unknown field match nothing', async () => {
    expect((await store.query(q({ filters: { filters: [eq('weight', 2), eq('weight', 3)] } }))).ids).toEqual([]);
    expect((await store.query(q({ filters: { filters: [eq('unknown_field', 'c')] } }))).ids).toEqual([]);
  });

  it('delete removes the nodes of a source document from the results', async () => {
    await store.delete('test-1');
    expect((await store.query(q({ similarityTopK: 2 }))).ids).toEqual([W3_RANK_C, W1_RANK_A]);
  });

  it('conditions or, and, and not (Python FilterCondition.NOT)', async () => {
    const two = [eq('rank', 'c'), eq('weight', 1.0)];
    expect((await store.query(q({ filters: { filters: two, condition: 'or' } }))).ids).toHaveLength(3);
    expect((await store.query(q({ filters: { filters: two, condition: 'and' } }))).ids).toHaveLength(0);
    expect((await store.query(q({ filters: { filters: [eq('rank', 'a')], condition: 'not' as never } }))).ids).toHaveLength(2);
  });

  const counts: [string, FilterOperator, string, unknown, number][] = [
    ['==', FilterOperator.EQ, 'weight', 1.0, 1],
    ['!=', FilterOperator.NE, 'weight', 1.0, 2],
    ['>', FilterOperator.GT, 'weight', 1.5, 2],
    ['>=', FilterOperator.GTE, 'weight', 1.0, 3],
    // The original asserts only that ids exist; one node weighs less than 1.1.
    ['<', FilterOperator.LT, 'weight', 1.1, 1],
    ['<=', FilterOperator.LTE, 'weight', 1.0, 1],
    ['in', FilterOperator.IN, 'rank', ['a', 'c'], 3],
    ['nin', FilterOperator.NIN, 'rank', ['c'], 1],
    ['contains', FilterOperator.CONTAINS, 'quality', 'high', 2],
    ['text_match', FilterOperator.TEXT_MATCH, 'identifier', '6FTR78Y', 2],
    ['any', FilterOperator.ANY, 'quality', ['high', 'low'], 2],
    ['all', FilterOperator.ALL, 'quality', ['medium', 'high'], 2],
    ['is_empty', FilterOperator.IS_EMPTY, 'not_existed_key', null, 3],
  ];
  for (const [title, operator, key, value, expected] of counts) {
    it(`operator ${title}: ${expected} nodes`, async () => {
      const filters = { filters: [{ key, operator, value: value as never }] };
      expect((await store.query(q({ filters }))).ids).toHaveLength(expected);
    });
  }

  it("deletes nodes by id (Python delete_nodes; here the memory's delete)", async () => {
    await store.memory.delete([W1_RANK_A, W2_RANK_C]);
    expect((await store.query(q())).ids).toEqual([W3_RANK_C]);
  });
});
