import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@srm/core';
import { GloveEmbedder } from '@srm/core/datasets';
import { GloveEmbeddings } from './glove-embeddings.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('GloveEmbeddings', () => {
  const embeddings = new GloveEmbeddings();

  it('embeds a query as a unit vector of GloveEmbeddings.dimensions numbers', async () => {
    const v = await embeddings.embedQuery('a notional black hole for data');
    expect(v).toHaveLength(GloveEmbeddings.dimensions);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('embeds documents in order, the same as queries', async () => {
    const texts = ['espresso', 'tennis match'];
    const docs = await embeddings.embedDocuments(texts);
    expect(docs).toHaveLength(2);
    expect(docs[1]).toEqual(await embeddings.embedQuery('tennis match'));
  });

  it('places related texts closer than unrelated ones', async () => {
    const [coffee, espresso, tennis] = await embeddings.embedDocuments(['a cup of coffee', 'espresso with milk', 'a tennis racket']);
    expect(cosine(coffee!, espresso!)).toBeGreaterThan(cosine(coffee!, tennis!) + 0.1);
  });

  it('rejects blank text with InvalidInputError', async () => {
    await expect(embeddings.embedQuery('   ')).rejects.toThrow(InvalidInputError);
    await expect(embeddings.embedDocuments(['ok', ''])).rejects.toThrow(InvalidInputError);
  });

  it('uses an embedder it is given', async () => {
    const embedder = await GloveEmbedder.load({ sifA: 0 });
    const plainAverage = new GloveEmbeddings({ embedder });
    expect(await plainAverage.load()).toBe(embedder);
    expect(await plainAverage.embedQuery('the cat')).not.toEqual(await embeddings.embedQuery('the cat'));
  });
});
