import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseVectorStore, Document, SentenceSplitter, Settings, TextNode, VectorStoreQueryMode } from 'llamaindex';
import type { BaseNode, MetadataFilters, VectorStoreQuery } from 'llamaindex';
import { DimensionMismatchError, InvalidInputError, NotFoundError, SemanticRoutingMemory, SRMError } from '@srm/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dictionaryDocuments } from '../test/fixtures.js';
import { GloveEmbedding } from './glove-embedding.js';
import { REF_DOC_ID_KEY } from './node-payload.js';
import { SRMVectorStore } from './vector-store.js';
import type { SRMQueryParams } from './vector-store.js';

let model: GloveEmbedding;
let docs: Document[];
let nodes: BaseNode[];

beforeAll(async () => {
  model = await GloveEmbedding.load();
  Settings.embedModel = model;
  docs = dictionaryDocuments();
  // Small chunks, so that most documents give several nodes.
  nodes = await model(new SentenceSplitter({ chunkSize: 96, chunkOverlap: 0 }).getNodesFromDocuments(docs));
});

afterAll(() => {
  Settings.embedModel = undefined as never;
});

function query(text: string, extra: Partial<VectorStoreQuery<SRMQueryParams>> = {}): Promise<VectorStoreQuery<SRMQueryParams>> {
  return model.getTextEmbedding(text).then((queryEmbedding) => ({ queryEmbedding, similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT, ...extra }));
}

function nodesOf(refDocId: string): BaseNode[] {
  return nodes.filter((n) => n.sourceNode?.nodeId === refDocId);
}

let store: SRMVectorStore;
beforeEach(async () => {
  store = new SRMVectorStore({ srm: { d: 100 } });
  await store.add(nodes);
});

describe('constructor', () => {
  it('is a LlamaIndex BaseVectorStore that stores text', () => {
    expect(store).toBeInstanceOf(BaseVectorStore);
    expect(store.storesText).toBe(true);
    expect(store.client()).toBe(store.memory);
  });

  it('learns d from the first vectors when srm.d is not given, as LlamaIndex stores do', async () => {
    const s = new SRMVectorStore({ embedModel: model });
    expect(s.client()).toBeUndefined();
    expect(() => s.memory).toThrow(NotFoundError);
    expect(await s.query({ queryEmbedding: [1, 2, 3], similarityTopK: 2, mode: VectorStoreQueryMode.DEFAULT })).toEqual({
      nodes: [],
      similarities: [],
      ids: [],
    });
    const node = new TextNode({ text: 'three numbers' });
    node.embedding = [0.5, 0.25, 0.125];
    expect(await s.add([node])).toEqual([node.id_]);
    expect(s.memory.config.d).toBe(3);
    await s.close();
  });

  it('uses an injected memory and does not close it', async () => {
    const memory = new SemanticRoutingMemory({ d: 100 });
    const s = new SRMVectorStore({ memory });
    await s.add(nodes.slice(0, 2));
    await s.close();
    expect(memory.size).toBe(2);
    await memory.close();
  });

  it('rejects both memory and srm, and a model whose dimension the memory cannot hold', async () => {
    const memory = new SemanticRoutingMemory({ d: 50 });
    expect(() => new SRMVectorStore({ memory, srm: { d: 50 } })).toThrow(InvalidInputError);
    expect(() => new SRMVectorStore({ memory, embedModel: model })).toThrow(DimensionMismatchError);
    await memory.close();
  });

  it('rejects a bad mmrPrefetchFactor', () => {
    expect(() => new SRMVectorStore({ srm: { d: 100 }, mmrPrefetchFactor: 0 })).toThrow(InvalidInputError);
  });
});

describe('open', () => {
  it('keeps nodes on disk across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srm-li-open-'));
    try {
      const first = await SRMVectorStore.open({ path: dir, embedModel: model });
      await first.add(nodes);
      const q = await query('protocol for reliable delivery of packets');
      const before = await first.query(q);
      await first.close();
      const second = await SRMVectorStore.open({ path: dir, embedModel: model });
      expect(second.memory.size).toBe(nodes.length);
      expect(await second.query(q)).toEqual(before);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options without keeping the directory locked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srm-li-open-'));
    try {
      await expect(SRMVectorStore.open({ path: dir, embedModel: model, mmrPrefetchFactor: 0 })).rejects.toThrow(InvalidInputError);
      const store2 = await SRMVectorStore.open({ path: dir, embedModel: model });
      await store2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('add', () => {
  it('stores every node under its node id', async () => {
    expect(nodes.length).toBeGreaterThan(docs.length);
    expect(store.memory.size).toBe(nodes.length);
    const [item] = await store.memory.get([nodes[0]!.id_]);
    expect(item!.id).toBe(nodes[0]!.id_);
  });

  it('keeps the text, the metadata and the ref doc id in the payload', async () => {
    const node = nodesOf('jargon:heisenbug')[0]!;
    const [item] = await store.memory.get([node.id_]);
    expect(item!.payload).toMatchObject({ source: 'jargon', headword: 'heisenbug', [REF_DOC_ID_KEY]: 'jargon:heisenbug' });
    expect(JSON.parse(item!.payload._node_content as string).text).toBe((node as TextNode).text);
  });

  it('replaces a node re-added under the same id', async () => {
    const node = nodes[0]!.clone() as TextNode;
    node.id_ = nodes[0]!.id_;
    node.text = 'Replaced text about magic smoke escaping from a chip.';
    node.embedding = await model.getTextEmbedding(node.text);
    await store.add([node]);
    expect(store.memory.size).toBe(nodes.length);
    const res = await store.query(await query('magic smoke escaping from a chip', { similarityTopK: 1 }));
    expect(res.ids).toEqual([node.id_]);
    expect((res.nodes![0] as TextNode).text).toBe(node.text);
  });

  it('returns [] for no nodes', async () => {
    expect(await store.add([])).toEqual([]);
  });

  it('rejects a node without an embedding and stores none of the batch', async () => {
    const fresh = new TextNode({ text: 'no embedding here' });
    const embedded = new TextNode({ text: 'an embedded node' });
    embedded.embedding = await model.getTextEmbedding(embedded.text);
    await expect(store.add([embedded, fresh])).rejects.toThrow(/has no embedding/);
    expect(store.memory.size).toBe(nodes.length);
    expect(await store.memory.has(embedded.id_)).toBe(false);
  });

  it('rejects a wrong-dimension embedding, stores none of the batch and loses no data', async () => {
    const before = await store.query(await query('packets on the local network'));
    const good = new TextNode({ text: 'a good node' });
    good.embedding = await model.getTextEmbedding(good.text);
    const bad = new TextNode({ text: 'a bad node' });
    bad.embedding = [0.1, 0.2, 0.3];
    await expect(store.add([good, bad])).rejects.toThrow(DimensionMismatchError);
    expect(store.memory.size).toBe(nodes.length);
    expect(await store.memory.has(good.id_)).toBe(false);
    expect(await store.query(await query('packets on the local network'))).toEqual(before);
  });
});

describe('query', () => {
  it('returns nodes, similarities and ids, best first', async () => {
    const res = await store.query(await query('uncertainty principle in quantum physics applied to bugs', { similarityTopK: 4 }));
    expect(res.ids).toHaveLength(4);
    expect(res.similarities).toHaveLength(4);
    expect(res.nodes!.map((n) => n.id_)).toEqual(res.ids);
    expect([...res.similarities].sort((a, b) => b - a)).toEqual(res.similarities);
    expect(res.nodes![0]!.sourceNode?.nodeId).toBe('jargon:heisenbug');
  });

  it('rebuilds TextNodes with text, metadata and source relationship', async () => {
    const res = await store.query(await query('the universal data sink where lost bits go', { similarityTopK: 1 }));
    const node = res.nodes![0] as TextNode;
    expect(node).toBeInstanceOf(TextNode);
    expect(node.metadata).toMatchObject({ source: 'jargon', headword: 'bit bucket' });
    expect(node.text.length).toBeGreaterThan(0);
    expect(node.sourceNode?.nodeId).toBe('jargon:bit bucket');
  });

  it('agrees with exact cosine similarity on the stored embeddings', async () => {
    const q = await query('protocol for reliable delivery of packets', { similarityTopK: 5 });
    const res = await store.query(q);
    const exact = nodes
      .map((n) => ({ id: n.id_, s: model.similarity(q.queryEmbedding!, n.embedding!) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 5);
    expect(res.ids).toEqual(exact.map((e) => e.id));
    res.similarities.forEach((s, i) => expect(s).toBeCloseTo(exact[i]!.s, 4));
  });

  describe('with metadata filters', () => {
    const cases: [string, MetadataFilters, (m: Record<string, unknown>) => boolean][] = [
      ['==', { filters: [{ key: 'source', operator: '==', value: 'foldoc' }] }, (m) => m.source === 'foldoc'],
      ['!=', { filters: [{ key: 'source', operator: '!=', value: 'foldoc' }] }, (m) => m.source !== 'foldoc'],
      ['>', { filters: [{ key: 'words', operator: '>', value: 150 }] }, (m) => (m.words as number) > 150],
      ['<=', { filters: [{ key: 'words', operator: '<=', value: 150 }] }, (m) => (m.words as number) <= 150],
      ['in', { filters: [{ key: 'headword', operator: 'in', value: ['tcp', 'dns'] }] }, (m) => m.headword === 'tcp' || m.headword === 'dns'],
      ['nin', { filters: [{ key: 'headword', operator: 'nin', value: ['tcp', 'dns'] }] }, (m) => m.headword !== 'tcp' && m.headword !== 'dns'],
      ['text_match', { filters: [{ key: 'headword', operator: 'text_match', value: 'SHAV' }] }, (m) => m.headword === 'yak shaving'],
      [
        'or',
        {
          condition: 'or',
          filters: [
            { key: 'headword', operator: '==', value: 'spam' },
            { key: 'headword', operator: '==', value: 'dns' },
          ],
        },
        (m) => m.headword === 'spam' || m.headword === 'dns',
      ],
      [
        'and',
        {
          filters: [
            { key: 'source', operator: '==', value: 'jargon' },
            { key: 'words', operator: '<', value: 150 },
          ],
        },
        (m) => m.source === 'jargon' && (m.words as number) < 150,
      ],
    ];

    for (const [name, filters, predicate] of cases) {
      it(`returns only matching nodes (${name})`, async () => {
        const expected = nodes.filter((n) => predicate(n.metadata));
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(nodes.length);
        const res = await store.query(await query('computer networks and data', { similarityTopK: nodes.length, filters }));
        expect(new Set(res.ids)).toEqual(new Set(expected.map((n) => n.id_)));
      });
    }

    it('rejects an unknown operator without touching the store', async () => {
      await expect(
        store.query(await query('network', { filters: { filters: [{ key: 'source', operator: 'regex' as never, value: 'f.*' }] } })),
      ).rejects.toThrow(InvalidInputError);
      expect(store.memory.size).toBe(nodes.length);
    });
  });

  it('restricts to the node ids in docIds, scored exactly', async () => {
    const ids = nodesOf('foldoc:tcp').map((n) => n.id_);
    const res = await store.query(await query('network protocol', { docIds: ids, similarityTopK: 50 }));
    expect(new Set(res.ids)).toEqual(new Set(ids));
    expect([...res.similarities].sort((a, b) => b - a)).toEqual(res.similarities);
  });

  it('applies filters together with docIds', async () => {
    const ids = [...nodesOf('foldoc:tcp'), ...nodesOf('jargon:spam')].map((n) => n.id_);
    const res = await store.query(
      await query('network', { docIds: ids, similarityTopK: 50, filters: { filters: [{ key: 'source', operator: '==', value: 'jargon' }] } }),
    );
    expect(new Set(res.ids)).toEqual(new Set(nodesOf('jargon:spam').map((n) => n.id_)));
  });

  it('picks diverse results in MMR mode, with their query similarities', async () => {
    const q = await query('network protocol packets', { similarityTopK: 4, mode: VectorStoreQueryMode.MMR, mmrThreshold: 0.5 });
    const res = await store.query(q);
    expect(res.ids).toHaveLength(4);
    expect(new Set(res.ids).size).toBe(4);
    const byId = new Map(nodes.map((n) => [n.id_, n]));
    res.ids.forEach((id, i) => expect(res.similarities[i]).toBeCloseTo(model.similarity(q.queryEmbedding!, byId.get(id)!.embedding!), 4));
  });

  it('passes customParams to the memory search', async () => {
    await expect(store.query(await query('network', { customParams: { m: 0 } }))).rejects.toThrow(InvalidInputError);
    const res = await store.query(await query('network', { customParams: { m: 1 } }));
    expect(res.ids).toHaveLength(3);
  });

  it('rejects an empty query', async () => {
    await expect(store.query({ queryEmbedding: [], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(/query is empty/);
    await expect(store.query({ similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(InvalidInputError);
  });

  it('rejects a query embedding of the wrong dimension', async () => {
    await expect(store.query({ queryEmbedding: [1, 2, 3], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(DimensionMismatchError);
    await expect(store.query({ queryEmbedding: [1, 2, 3], docIds: [nodes[0]!.id_], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(
      DimensionMismatchError,
    );
  });

  it('refuses NaN, Infinity, float32 overflow and non-numbers in the docIds path, changing nothing', async () => {
    const ids = nodesOf('foldoc:tcp').map((n) => n.id_);
    const good = (await query('network protocol')).queryEmbedding!;
    const before = await store.query(await query('network protocol', { docIds: ids, similarityTopK: 50 }));
    const bad: unknown[][] = [
      good.map((x, i) => (i === 3 ? Number.NaN : x)),
      good.map((x, i) => (i === 0 ? Number.POSITIVE_INFINITY : x)),
      good.map((x, i) => (i === 5 ? 1e39 : x)),
      good.map((x, i) => (i === 7 ? String(x) : x)),
      good.map((x, i) => (i === 9 ? null : x)),
    ];
    for (const queryEmbedding of bad) {
      await expect(
        store.query({ queryEmbedding: queryEmbedding as number[], docIds: ids, similarityTopK: 5, mode: VectorStoreQueryMode.DEFAULT }),
      ).rejects.toThrow(InvalidInputError);
      await expect(store.query({ queryEmbedding: queryEmbedding as number[], similarityTopK: 5, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(
        InvalidInputError,
      );
    }
    expect(store.memory.size).toBe(nodes.length);
    expect(await store.query(await query('network protocol', { docIds: ids, similarityTopK: 50 }))).toEqual(before);
  });

  it('refuses a node embedding with Infinity or a float32 overflow, storing none of the batch', async () => {
    for (const bad of [Number.POSITIVE_INFINITY, 1e39]) {
      const good = new TextNode({ text: 'a good node' });
      good.embedding = await model.getTextEmbedding(good.text);
      const node = new TextNode({ text: 'an overflowing node' });
      node.embedding = good.embedding.map((x, i) => (i === 2 ? bad : x));
      await expect(store.add([good, node])).rejects.toThrow(InvalidInputError);
      expect(store.memory.size).toBe(nodes.length);
      expect(await store.memory.has(good.id_)).toBe(false);
    }
  });

  it('rejects a bad similarityTopK and an unsupported mode', async () => {
    await expect(store.query(await query('network', { similarityTopK: 0 }))).rejects.toThrow(/similarityTopK/);
    await expect(store.query(await query('network', { mode: VectorStoreQueryMode.SVM }))).rejects.toThrow(/not supported/);
  });
});

describe('delete', () => {
  it('removes every node of the document and nothing else', async () => {
    const gone = nodesOf('jargon:cruft');
    expect(gone.length).toBeGreaterThan(1);
    await store.delete('jargon:cruft');
    expect(store.memory.size).toBe(nodes.length - gone.length);
    for (const n of gone) expect(await store.memory.has(n.id_)).toBe(false);
    const res = await store.query(await query('an unpleasant substance that accumulates', { similarityTopK: nodes.length }));
    expect(res.nodes!.some((n) => n.sourceNode?.nodeId === 'jargon:cruft')).toBe(false);
    expect(res.ids).toHaveLength(nodes.length - gone.length);
  });

  it('does nothing for a document it does not hold', async () => {
    await store.delete('jargon:no-such-document');
    expect(store.memory.size).toBe(nodes.length);
  });

  it('deletes the document named "None" without touching nodes that have no source document', async () => {
    const loose = [new TextNode({ text: 'a node without a source document' }), new TextNode({ text: 'another one' })];
    const named = new TextNode({ text: 'a node of the document called None' });
    named.relationships = { SOURCE: new Document({ id_: 'None', text: 'a document called None' }).asRelatedNodeInfo() };
    for (const n of [...loose, named]) n.embedding = await model.getTextEmbedding(n.text);
    await store.add([...loose, named]);
    expect(store.memory.size).toBe(nodes.length + 3);
    await store.delete('None');
    expect(store.memory.size).toBe(nodes.length + 2);
    expect(await store.memory.has(named.id_)).toBe(false);
    for (const n of loose) expect(await store.memory.has(n.id_)).toBe(true);
    await store.delete('None');
    expect(store.memory.size).toBe(nodes.length + 2);
  });

  it('rejects an empty ref doc id', async () => {
    await expect(store.delete('')).rejects.toThrow(InvalidInputError);
    expect(store.memory.size).toBe(nodes.length);
  });
});

describe('hostile input', () => {
  it('stores metadata keys __proto__, constructor and prototype as plain data and filters on them', async () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "prototype": "p", "kind": "hostile"}') as Record<string, unknown>;
    const node = new TextNode({ text: 'a node with hostile metadata keys', metadata });
    node.embedding = await model.getTextEmbedding(node.text);
    await store.add([node]);
    const res = await store.query(
      await query('hostile metadata', { similarityTopK: 5, filters: { filters: [{ key: 'constructor', operator: '==', value: 'c' }] } }),
    );
    expect(res.ids).toEqual([node.id_]);
    const back = res.nodes![0]!.metadata;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(back.prototype).toBe('p');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('either stores a node with an odd id or rejects it with an SRM error, keeping every other node', async () => {
    for (const id of ['a::b', 'dir/../../etc/passwd', '..', 'nul\u0000byte', 'x'.repeat(600), '']) {
      const node = new TextNode({ id_: id, text: `node ${JSON.stringify(id)}` });
      node.embedding = await model.getTextEmbedding('an odd identifier');
      const added = store.add([node]).then(
        () => 'stored',
        (err: unknown) => err,
      );
      const outcome = await added;
      if (outcome === 'stored') {
        expect((await store.memory.get([id]))[0]!.id).toBe(id);
        await store.memory.delete([id]);
      } else {
        expect(outcome).toBeInstanceOf(SRMError);
      }
      expect(store.memory.size).toBe(nodes.length);
    }
  });
});
