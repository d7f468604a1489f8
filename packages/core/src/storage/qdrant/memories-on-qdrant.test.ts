/**
 * Both memories run unchanged on the Qdrant backend (offline emulator, every
 * request validated against openapi.json) and answer like on the embedded
 * backend: the glossary ranks alike with the same scores, the routing memory
 * finds the same neighbours and survives a reopen without re-embedding.
 */
import { describe, expect, it } from 'vitest';
import { SemanticMemory } from '../../glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../../srm/memory.js';
import { EmbeddedStorage } from '../embedded/embedded-storage.js';
import { QdrantStorage } from './qdrant-storage.js';
import { unitVectorOf, useValidatingEmulator } from '@srm/testkit/qdrant/fixtures';

const emulator = useValidatingEmulator();

const JARGON = [
  { key: 'JWT', value: 'JSON Web Token', description: 'a signed token that carries claims', aliases: ['json web token'] },
  { key: 'k8s', value: 'Kubernetes', description: 'container orchestration', aliases: ['kubernetes'] },
  { key: 'KYC', value: 'Know Your Customer', description: 'identity checks on new customers', aliases: [] },
  { key: 'SLO', value: 'Service Level Objective', description: 'a target for a service level indicator', aliases: [] },
  { key: 'mTLS', value: 'mutual TLS', description: 'both sides present certificates; a token is not enough', aliases: [] },
];

describe('SemanticMemory on Qdrant', () => {
  it('recalls the same entries with the same scores as on the embedded backend, scoped to the agent', async () => {
    const qdrant = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mem1', retries: 0 });
    const onQdrant = await SemanticMemory.open({ storage: qdrant });
    const onEmbedded = await SemanticMemory.open();
    for (const m of [onQdrant, onEmbedded]) {
      await m.memorizeMany(JARGON.map((j) => ({ ...j, agentId: 'support' })));
      await m.memorize({ key: 'JWT', value: 'Just Wait a Tick', agentId: 'other' });
    }
    expect((await onQdrant.recall('what is a JSON web token', { agentId: 'support', topK: 3 }))[0]?.key).toBe('JWT');
    for (const query of ['what is a JSON web token', 'kubernetes containers', 'token certificates', 'nothing matches zzz']) {
      const a = await onQdrant.recall(query, { agentId: 'support', topK: 3 });
      const b = await onEmbedded.recall(query, { agentId: 'support', topK: 3 });
      expect(a.map((h) => h.key)).toEqual(b.map((h) => h.key));
      a.forEach((h, i) => expect(h.score).toBeCloseTo(b[i]!.score, 4));
    }
    expect(await onQdrant.entryCount('support')).toBe(5);
    expect((await onQdrant.listAll('support')).map((e) => e.key)).toEqual(['JWT', 'k8s', 'KYC', 'mTLS', 'SLO']);
    expect(await onQdrant.forget('jwt', 'support')).toBe(true);
    expect(await onQdrant.entryCount('support')).toBe(4);
    expect((await onQdrant.recall('JWT', { agentId: 'other' })).map((h) => h.value)).toEqual(['Just Wait a Tick']);
    await onQdrant.close();
    await onEmbedded.close();
    await qdrant.close();
  });
});

describe('SemanticRoutingMemory on Qdrant', () => {
  const d = 16;
  const n = 300;
  const vectors = Array.from({ length: n }, (_, i) => unitVectorOf(i, d));
  const ids = vectors.map((_, i) => `doc-${i}`);
  const payloads = vectors.map((_, i) => ({ i, lang: i % 3 === 0 ? 'en' : 'fr' }));
  const options = { d, K: 8, m: 8, autoFitAt: 200, rerank: 'float32' as const };

  it('answers like the embedded backend, filters included, and reopens without re-embedding', async () => {
    const qdrant = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mem2', retries: 0 });
    const onQdrant = await SemanticRoutingMemory.open({ ...options, storage: qdrant, name: 'docs' });
    const onEmbedded = await SemanticRoutingMemory.open({ ...options, storage: EmbeddedStorage.inMemory(), name: 'docs' });
    for (const m of [onQdrant, onEmbedded]) {
      await m.add(vectors, { ids, payloads });
      await m.idle();
    }
    const query = unitVectorOf(5_000, d);
    const a = await onQdrant.query(query, { k: 5, filter: { lang: 'en' } });
    const b = await onEmbedded.query(query, { k: 5, filter: { lang: 'en' } });
    expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
    expect(a.every((h) => h.payload.lang === 'en')).toBe(true);
    await onQdrant.close();

    const upserts = emulator().requests.filter((r) => r.operationId === 'upsert_points' || r.operationId === 'batch_update').length;
    const again = await SemanticRoutingMemory.open({ ...options, storage: qdrant, name: 'docs' });
    expect((await again.query(query, { k: 5, filter: { lang: 'en' } })).map((h) => h.id)).toEqual(a.map((h) => h.id));
    expect(again.stats().items).toBe(n);
    // Reopening read the codebook and scanned the items; it wrote no item back.
    expect(
      emulator().requests.filter((r) => r.operationId === 'batch_update').length + emulator().requests.filter((r) => r.operationId === 'upsert_points').length,
    ).toBe(upserts);
    await again.close();
    await onEmbedded.close();
    await qdrant.close();
  });

  it('answers in rerank mode "none" while a refit writes its buckets back as once they are written: never by lagging stored buckets', async () => {
    const qdrant = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mem5', retries: 0 });
    const memory = await SemanticRoutingMemory.open({ ...options, rerank: 'none', m: 2, autoFitAt: 0, storage: qdrant, name: 'lag' });
    // Enough items for several write-back steps; the queries are items of the last slots, whose
    // stored buckets are written last.
    const many = Array.from({ length: 1200 }, (_, i) => unitVectorOf(30_000 + i, d));
    await memory.add(many, { ids: many.map((_, i) => `lag-${i}`) });
    await memory.fit(many.slice(0, 40));
    const queries = [1150, 1170, 1190, 1199].map((i) => many[i]!);
    const lagging = () => (memory as unknown as { refits: { bucketsLag: boolean } }).refits.bucketsLag;
    const during: { q: number; hits: string[] }[] = [];
    let done = false;
    const refit = memory.refit({ worker: false }).then(() => (done = true));
    while (!done) {
      for (const [q, vector] of queries.entries()) {
        const lag = lagging();
        const hits = (await memory.query(vector, { k: 10 })).map((h) => h.id);
        if (lag && lagging()) during.push({ q, hits });
      }
    }
    await refit;
    await memory.idle();
    const settled = await Promise.all(queries.map(async (q) => (await memory.query(q, { k: 10 })).map((h) => h.id)));
    // The refit's write-back must have been seen, or the test proves nothing.
    expect(during.length).toBeGreaterThan(0);
    for (const { q, hits } of during) expect(hits).toEqual(settled[q]);
    await memory.close();
    await qdrant.close();
  });

  it('keeps items without a vector out of every answer, "none" mode included, and reopens them from a scan', async () => {
    const qdrant = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mem4', retries: 0 });
    const rows = vectors.map((v, i) => (i % 4 === 0 ? null : v));
    for (const rerank of ['float32', 'none'] as const) {
      const name = `bare-${rerank}`;
      const bare = ids.filter((_, i) => i % 4 === 0);
      for (const reopened of [false, true]) {
        const m = await SemanticRoutingMemory.open({ ...options, rerank, storage: qdrant, name });
        if (!reopened) await m.add(rows, { ids, payloads });
        await m.idle();
        expect(m.stats()).toMatchObject({ items: n, withoutVector: bare.length, fitted: true });
        const hits = await m.query(unitVectorOf(9_000, d), { k: n, m: options.K });
        expect(hits).toHaveLength(n - bare.length);
        expect(hits.some((h) => bare.includes(h.id))).toBe(false);
        expect((await m.get([bare[0]!]))[0]!.vector).toBeNull();
        expect((await m.verify()).problems).toEqual([]);
        await m.close();
      }
    }
    await qdrant.close();
  });

  it('lets Qdrant score the probed buckets in rerank mode "none", with the embedded answers', async () => {
    const none = { ...options, rerank: 'none' as const, m: 3 };
    const qdrant = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mem3', retries: 0 });
    const onQdrant = await SemanticRoutingMemory.open({ ...none, storage: qdrant, name: 'docs' });
    const onEmbedded = await SemanticRoutingMemory.open({ ...none, storage: EmbeddedStorage.inMemory(), name: 'docs' });
    for (const m of [onQdrant, onEmbedded]) await m.add(vectors, { ids, payloads });
    const before = emulator().requests.length;
    const query = unitVectorOf(7_000, d);
    const a = await onQdrant.query(query, { k: 5 });
    const b = await onEmbedded.query(query, { k: 5 });
    expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
    const sent = emulator().requests.slice(before);
    const search = sent.find((r) => r.operationId === 'query_points');
    expect(search).toBeDefined();
    // Only k scores and payloads came back: no candidate vector was fetched for a local rerank.
    expect(sent.some((r) => r.operationId === 'get_points' && JSON.stringify(r.body).includes('"with_vector":true'))).toBe(false);
    // A selective filter still returns k hits (probes widen on the server too).
    const en = await onQdrant.query(query, { k: 5, filter: { field: 'i', op: 'lt', value: 30 } });
    expect(en).toHaveLength(5);
    await onQdrant.close();
    await onEmbedded.close();
    await qdrant.close();
  });
});
