/**
 * LangGraph's own tests of InMemoryStore's vector search (langgraphjs
 * libs/checkpoint/src/tests/vector.test.ts), rewritten for SRMStore. LangGraph's test embeds
 * with a character-count class of its own; here every case embeds with our GloVe
 * embeddings, so the field-indexing cases use words where LangGraph's use letter triples
 * ("xxx" -> "piano"): GloVe knows no "xxx", and LangChain's SyntheticEmbeddings gives every
 * one-letter repetition the same direction. Differences are named where they occur
 * (docs/langchain.md, "Ported tests").
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GloveEmbeddings } from '../../src/glove-embeddings.js';
import { SRMStore } from '../../src/store/srm-store.js';

const glove = new GloveEmbeddings();
const open: SRMStore[] = [];
function store(options: ConstructorParameters<typeof SRMStore>[0]): SRMStore {
  const s = new SRMStore(options);
  open.push(s);
  return s;
}
const gloveStore = () => store({ index: { dims: 100, embeddings: glove } });
const fieldStore = (fields: string[]) => store({ index: { dims: 100, embeddings: glove, fields } });

beforeAll(async () => {
  await glove.load();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('SRMStore vector search (LangGraph vector.test.ts)', () => {
  it('keeps the index config it was given', () => {
    const s = gloveStore();
    expect(s.indexConfig).toBeDefined();
    expect(s.indexConfig?.dims).toBe(100);
    expect(s.indexConfig?.embeddings).toBe(glove);
  });

  it('embeds on put and finds documents by a query', async () => {
    const s = gloveStore();
    const docs = [
      ['doc1', { text: 'short text' }],
      ['doc2', { text: 'longer text document' }],
      ['doc3', { text: 'longest text document here' }],
      ['doc4', { description: 'text in description field' }],
      ['doc5', { content: 'text in content field' }],
      ['doc6', { body: 'text in body field' }],
    ] as const;
    for (const [key, value] of docs) await s.put(['test'], key, value);
    const keys = (await s.search(['test'], { query: 'long text' })).map((r) => r.key);
    expect(keys).toContain('doc2');
    expect(keys).toContain('doc3');
  });

  it('re-embeds a document when it is updated', async () => {
    const s = gloveStore();
    await s.put(['test'], 'doc1', { text: 'zany zebra Xerxes' });
    await s.put(['test'], 'doc2', { text: 'something about dogs' });
    await s.put(['test'], 'doc3', { text: 'text about birds' });
    const initial = await s.search(['test'], { query: 'Zany Xerxes' });
    expect(initial[0]!.key).toBe('doc1');
    const initialScore = initial[0]!.score!;
    await s.put(['test'], 'doc1', { text: 'new text about dogs' });
    const after = (await s.search(['test'], { query: 'Zany Xerxes' })).find((r) => r.key === 'doc1')!.score!;
    expect(after).toBeLessThan(initialScore);
    const renewed = (await s.search(['test'], { query: 'new text about dogs' })).find((r) => r.key === 'doc1')!.score!;
    expect(renewed).toBeGreaterThan(after);
  });

  it('returns documents put with index: false after the scored ones', async () => {
    const s = gloveStore();
    await s.put(['test'], 'doc1', { text: 'new text about dogs' });
    await s.put(['test'], 'doc2', { text: 'new text about dogs' }, false);
    const results = await s.search(['test'], { query: 'new text about dogs', limit: 3 });
    expect(results.map((r) => [r.key, r.score === undefined])).toEqual([
      ['doc1', false],
      ['doc2', true],
    ]);
  });

  it('combines vector search with filters', async () => {
    const s = gloveStore();
    const docs = [
      ['doc1', { text: 'red apple', color: 'red', score: 4.5 }],
      ['doc2', { text: 'red car', color: 'red', score: 3.0 }],
      ['doc3', { text: 'green apple', color: 'green', score: 4.0 }],
      ['doc4', { text: 'blue car', color: 'blue', score: 3.5 }],
    ] as const;
    for (const [key, value] of docs) await s.put(['test'], key, value);
    let results = await s.search(['test'], { query: 'apple', filter: { color: 'red' } });
    expect(results.map((r) => r.key)).toEqual(['doc1', 'doc2']);
    results = await s.search(['test'], { query: 'car', filter: { color: 'red' } });
    expect(results.map((r) => r.key)).toEqual(['doc2', 'doc1']);
    // Difference: LangGraph's query here is "bbbbluuu", close to "blue" only by its characters; GloVe has no such word.
    results = await s.search(['test'], { query: 'blue', filter: { score: { $gt: 3.2 } } });
    expect(results).toHaveLength(3);
    expect(results[0]!.key).toBe('doc4');
    results = await s.search(['test'], { query: 'apple', filter: { score: { $gte: 4.0 }, color: 'green' } });
    expect(results.map((r) => r.key)).toEqual(['doc3']);
  });

  it('indexes the fields of the store config', async () => {
    const s = fieldStore(['key0', 'key1', 'key3']);
    await s.put(['test'], 'doc1', { key1: 'piano', key2: 'desert', key3: 'violin' }); // 2 vectors
    await s.put(['test'], 'doc2', { key0: 'tiger', key1: 'ocean', key2: 'castle', key3: 'piano' }); // 3 vectors
    const both = await s.search(['test'], { query: 'piano' });
    expect(both).toHaveLength(2);
    expect(both[0]!.key).not.toBe(both[1]!.key);
    expect(both[0]!.score).toBe(both[1]!.score);
    const baseScore = both[0]!.score!;
    const uuu = await s.search(['test'], { query: 'tiger' });
    expect(uuu).toHaveLength(2);
    expect(uuu[0]!.key).toBe('doc2');
    expect(uuu[0]!.score).toBeGreaterThan(uuu[1]!.score!);
    expect(uuu[0]!.score).toBeCloseTo(baseScore, 5);
    const www = await s.search(['test'], { query: 'castle' }); // only in the unindexed key2
    expect(www).toHaveLength(2);
    expect(www.every((r) => r.score! < baseScore)).toBe(true);
  });

  it('indexes the fields a put names, and nothing for index: false', async () => {
    const s = fieldStore(['key17']); // a default field none of the documents has
    await s.put(['test'], 'doc3', { key0: 'apple', key1: 'river', key2: 'mountain', key3: 'guitar' }, ['key0', 'key1']);
    await s.put(['test'], 'doc4', { key0: 'lemon', key1: 'river', key2: 'forest', key3: 'trumpet' }, ['key1', 'key3']);
    const aaa = await s.search(['test'], { query: 'apple' });
    expect(aaa).toHaveLength(2);
    expect(aaa[0]!.key).toBe('doc3');
    expect(aaa[0]!.score).toBeGreaterThan(aaa[1]!.score!);
    const ggg = await s.search(['test'], { query: 'trumpet' });
    expect(ggg[0]!.key).toBe('doc4');
    expect(ggg[0]!.score).toBeGreaterThan(ggg[1]!.score!);
    const bbb = await s.search(['test'], { query: 'river' });
    expect(bbb).toHaveLength(2);
    expect(bbb[0]!.key).not.toBe(bbb[1]!.key);
    expect(bbb[0]!.score).toBe(bbb[1]!.score);
    // Both tie exactly, so they come in insertion order (InMemoryStore's order too).
    expect(bbb.map((r) => r.key)).toEqual(['doc3', 'doc4']);
    const ccc = await s.search(['test'], { query: 'mountain' });
    expect(ccc).toHaveLength(2);
    expect(ccc.every((r) => r.score! < aaa[0]!.score!)).toBe(true);
    await s.put(['test'], 'doc5', { key0: 'cloud', key1: 'stone' }, false);
    const hhh = await s.search(['test'], { query: 'cloud' });
    expect(hhh).toHaveLength(3);
    expect(hhh.find((r) => r.key === 'doc5')!.score).toBeUndefined();
  });
});
