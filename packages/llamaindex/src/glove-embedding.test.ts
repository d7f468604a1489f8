import { BaseEmbedding, Document, MetadataMode, SentenceSplitter, similarity } from 'llamaindex';
import { InvalidInputError } from '@srm/core';
import { GloveEmbedder } from '@srm/core/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { GloveEmbedding } from './glove-embedding.js';

let model: GloveEmbedding;
beforeAll(async () => {
  model = await GloveEmbedding.load();
});

describe('GloveEmbedding', () => {
  it('is a LlamaIndex BaseEmbedding reporting its 100 dimensions', () => {
    expect(model).toBeInstanceOf(BaseEmbedding);
    expect(model.dim).toBe(100);
    expect(model.embedInfo?.dimensions).toBe(100);
  });

  describe('getTextEmbedding', () => {
    it('returns the core GloveEmbedder vector as a plain unit-length array', async () => {
      const core = await GloveEmbedder.load();
      const text = 'a notional black hole into which data is dropped';
      const v = await model.getTextEmbedding(text);
      expect(Array.isArray(v)).toBe(true);
      expect(v).toEqual(Array.from(core.embed(text)));
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });

    it('places related texts closer than unrelated ones', async () => {
      const [network, router, cake] = await model.getTextEmbeddings([
        'the network router drops packets',
        'routing packets between networks',
        'bake the chocolate cake in the oven',
      ]);
      expect(similarity(network!, router!)).toBeGreaterThan(similarity(network!, cake!) + 0.1);
    });

    it('rejects an empty text', async () => {
      await expect(model.getTextEmbedding('  ')).rejects.toThrow(InvalidInputError);
    });
  });

  describe('getQueryEmbedding', () => {
    it('embeds a text query like getTextEmbedding', async () => {
      expect(await model.getQueryEmbedding({ type: 'text', text: 'bit bucket' })).toEqual(await model.getTextEmbedding('bit bucket'));
    });

    it('rejects a blank text query instead of answering null', async () => {
      await expect(model.getQueryEmbedding({ type: 'text', text: '' })).rejects.toThrow(/query is empty/);
    });

    it('answers null for an image part, which it cannot embed', async () => {
      expect(await model.getQueryEmbedding({ type: 'image_url', image_url: { url: 'https://example.org/a.png' } })).toBeNull();
    });
  });

  it('embeds nodes as a LlamaIndex transform', async () => {
    const nodes = new SentenceSplitter({ chunkSize: 64, chunkOverlap: 0 }).getNodesFromDocuments([
      new Document({ text: 'The bit bucket is the universal data sink. Anything sent there is lost forever.' }),
    ]);
    const embedded = await model(nodes);
    for (const node of embedded) {
      expect(node.embedding).toEqual(await model.getTextEmbedding(node.getContent(MetadataMode.EMBED)));
    }
  });
});
