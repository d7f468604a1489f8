import { Document, FilterOperator, SimpleVectorStore, TextNode, VectorStoreQueryMode } from 'llamaindex';
import type { Metadata, MetadataFilters } from 'llamaindex';
import { InvalidInputError, matchesFilter } from '@srm/core';
import type { Payload } from '@srm/core';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_FILTER_OPERATORS, toPayloadFilter } from './filters.js';
import type { QueryFilter } from './filters.js';

/** Whether `payload` passes a translated filter (an AST, or the predicate an is_empty filter gives). */
function passes(payload: Payload, filter: QueryFilter): boolean {
  return typeof filter === 'function' ? filter(payload) : matchesFilter(payload, filter);
}
import { GloveEmbedding } from './glove-embedding.js';

describe('toPayloadFilter', () => {
  it('returns undefined when there is nothing to filter on', () => {
    expect(toPayloadFilter(undefined)).toBeUndefined();
    expect(toPayloadFilter({ filters: [] })).toBeUndefined();
    expect(toPayloadFilter({ filters: [{ filters: [] } as never] })).toBeUndefined();
  });

  it('maps each one-to-one operator to its SRM operator', () => {
    const cases: [string, unknown, unknown][] = [
      ['==', 'a', { field: 'k', op: 'eq', value: 'a' }],
      ['!=', 3, { field: 'k', op: 'ne', value: 3 }],
      ['>', 3, { field: 'k', op: 'gt', value: 3 }],
      ['<', 3, { field: 'k', op: 'lt', value: 3 }],
      ['>=', 3, { field: 'k', op: 'gte', value: 3 }],
      ['<=', 3, { field: 'k', op: 'lte', value: 3 }],
      ['in', ['a', 'b'], { field: 'k', op: 'in', value: ['a', 'b'] }],
      ['nin', [1, 2], { field: 'k', op: 'nin', value: [1, 2] }],
      ['contains', 'x', { field: 'k', op: 'contains', value: 'x' }],
      ['text_match', 'Hole', { field: 'k', op: 'text', value: 'Hole' }],
    ];
    for (const [operator, value, expected] of cases) {
      expect(toPayloadFilter({ filters: [{ key: 'k', operator, value } as never] })).toEqual(expected);
    }
  });

  it('expands any and all into OR / AND of contains', () => {
    expect(toPayloadFilter({ filters: [{ key: 'tags', operator: 'any', value: ['a', 'b'] }] })).toEqual({
      or: [
        { field: 'tags', op: 'contains', value: 'a' },
        { field: 'tags', op: 'contains', value: 'b' },
      ],
    });
    expect(toPayloadFilter({ filters: [{ key: 'tags', operator: 'all', value: ['a', 'b'] }] })).toEqual({
      and: [
        { field: 'tags', op: 'contains', value: 'a' },
        { field: 'tags', op: 'contains', value: 'b' },
      ],
    });
  });

  it('combines several filters with AND by default and OR on request', () => {
    const filters = [
      { key: 'a', operator: '==', value: 1 },
      { key: 'b', operator: '>', value: 2 },
    ] as const;
    expect(toPayloadFilter({ filters: [...filters] })).toEqual({
      and: [
        { field: 'a', op: 'eq', value: 1 },
        { field: 'b', op: 'gt', value: 2 },
      ],
    });
    expect(toPayloadFilter({ filters: [...filters], condition: 'or' })).toEqual({
      or: [
        { field: 'a', op: 'eq', value: 1 },
        { field: 'b', op: 'gt', value: 2 },
      ],
    });
  });

  it('nests MetadataFilters groups given inside filters', () => {
    const nested = {
      condition: 'and',
      filters: [
        { key: 'lang', operator: '==', value: 'en' },
        {
          condition: 'or',
          filters: [
            { key: 'y', operator: '<', value: 1990 },
            { key: 'y', operator: '>', value: 2010 },
          ],
        },
      ],
    } as unknown as MetadataFilters;
    expect(toPayloadFilter(nested)).toEqual({
      and: [
        { field: 'lang', op: 'eq', value: 'en' },
        {
          or: [
            { field: 'y', op: 'lt', value: 1990 },
            { field: 'y', op: 'gt', value: 2010 },
          ],
        },
      ],
    });
  });

  it('covers every operator of the LlamaIndex enum', () => {
    expect([...SUPPORTED_FILTER_OPERATORS].sort()).toEqual((Object.values(FilterOperator) as string[]).sort());
  });

  it('matches is_empty on a missing, null, "" or [] field, with or without a null value, nested in and / or / not', () => {
    const f = toPayloadFilter({ filters: [{ key: 'tags', operator: 'is_empty' }] })!;
    expect(typeof f).toBe('function');
    const payloads: [Payload, boolean][] = [
      [{}, true],
      [{ tags: null }, true],
      [{ tags: '' }, true],
      [{ tags: [] }, true],
      [{ tags: ['a'] }, false],
      [{ tags: [''] }, false],
      [{ tags: 0 }, false],
      [{ tags: false }, false],
      [{ tags: 'x' }, false],
    ];
    for (const [payload, expected] of payloads) expect(passes(payload, f), JSON.stringify(payload)).toBe(expected);
    const withNull = toPayloadFilter({ filters: [{ key: 'tags', operator: 'is_empty', value: null as never }] })!;
    expect(passes({}, withNull)).toBe(true);
    const mixed = toPayloadFilter({
      condition: 'or',
      filters: [{ key: 'lang', operator: '==', value: 'en' }, { condition: 'not', filters: [{ key: 'tags', operator: 'is_empty' }] } as never],
    })!;
    expect(passes({ lang: 'en', tags: [] }, mixed)).toBe(true);
    expect(passes({ lang: 'de', tags: ['a'] }, mixed)).toBe(true);
    expect(passes({ lang: 'de', tags: [] }, mixed)).toBe(false);
  });

  it('negates with condition "not" (LlamaIndex Python): none of the filters matches', () => {
    expect(toPayloadFilter({ condition: 'not' as never, filters: [{ key: 'rank', operator: '==', value: 'a' }] })).toEqual({
      not: { field: 'rank', op: 'eq', value: 'a' },
    });
    expect(
      toPayloadFilter({
        condition: 'not' as never,
        filters: [
          { key: 'a', operator: '==', value: 1 },
          { key: 'b', operator: '==', value: 2 },
        ],
      }),
    ).toEqual({
      not: {
        or: [
          { field: 'a', op: 'eq', value: 1 },
          { field: 'b', op: 'eq', value: 2 },
        ],
      },
    });
  });

  it('rejects an unknown operator with an InvalidInputError naming it', () => {
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: 'like' as never, value: 'x' }] })).toThrow(InvalidInputError);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: 'like' as never, value: 'x' }] })).toThrow(/unknown operator "like"/);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: 'is_empty', value: 'x' }] })).toThrow(/takes no value/);
    // The other leaves of an is_empty filter are checked at once too, not at the first payload.
    expect(() =>
      toPayloadFilter({
        filters: [
          { key: 'k', operator: 'is_empty' },
          { key: 'n', operator: '>', value: Number.NaN },
        ],
      }),
    ).toThrow(InvalidInputError);
  });

  it('rejects values of the wrong shape', () => {
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: 'in', value: 'a' }] })).toThrow(/needs an array/);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: '==', value: ['a'] }] })).toThrow(/single value/);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: '==' }] })).toThrow(/needs a value/);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: 'any', value: [] }] })).toThrow(/non-empty array/);
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: '>', value: Number.NaN }] })).toThrow(InvalidInputError);
    expect(() => toPayloadFilter({ filters: [{ key: '', operator: '==', value: 1 }] })).toThrow(/key/);
  });

  it('rejects a bad condition or a filters list that is not an array', () => {
    expect(() => toPayloadFilter({ filters: [{ key: 'k', operator: '==', value: 1 }], condition: 'xor' as never })).toThrow(/condition/);
    expect(() => toPayloadFilter({ filters: 'k==1' } as never)).toThrow(/expected an array/);
    expect(() => toPayloadFilter('k==1' as never)).toThrow(InvalidInputError);
  });
});

/**
 * Differential check: the translated filter, evaluated by the SRM filter engine,
 * selects the same nodes as LlamaIndex's own SimpleVectorStore. The metadata
 * sets every key on every node and uses arrays only for the array operators,
 * where both engines define the same answer.
 */
describe('toPayloadFilter agrees with LlamaIndex SimpleVectorStore', () => {
  // `note` is only for is_empty: set, null, "", [] and missing.
  const rows: Record<string, unknown>[] = [
    { lang: 'en', year: 1975, source: 'jargon', tags: ['hacker', 'humor'], title: 'The Story of Mel', note: 'folklore' },
    { lang: 'en', year: 1991, source: 'foldoc', tags: ['network'], title: 'Black Hole Routing', note: null },
    { lang: 'de', year: 2003, source: 'vera', tags: ['acronym', 'network'], title: 'Ethernet Frame', note: '' },
    { lang: 'fr', year: 1988, source: 'jargon', tags: ['humor'], title: 'Bit Bucket Lore', note: [] },
    { lang: 'en', year: 2012, source: 'vera', tags: ['acronym'], title: 'JSON Web Token' },
  ];
  const filterCases: MetadataFilters[] = [
    { filters: [{ key: 'lang', operator: '==', value: 'en' }] },
    { filters: [{ key: 'lang', operator: '!=', value: 'en' }] },
    { filters: [{ key: 'year', operator: '>', value: 1988 }] },
    { filters: [{ key: 'year', operator: '>=', value: 1988 }] },
    { filters: [{ key: 'year', operator: '<', value: 1991 }] },
    { filters: [{ key: 'year', operator: '<=', value: 1991 }] },
    { filters: [{ key: 'source', operator: 'in', value: ['vera', 'foldoc'] }] },
    { filters: [{ key: 'source', operator: 'nin', value: ['vera', 'foldoc'] }] },
    { filters: [{ key: 'tags', operator: 'contains', value: 'humor' }] },
    { filters: [{ key: 'tags', operator: 'any', value: ['network', 'humor'] }] },
    { filters: [{ key: 'tags', operator: 'all', value: ['acronym', 'network'] }] },
    { filters: [{ key: 'title', operator: 'text_match', value: 'Bucket' }] },
    { filters: [{ key: 'note', operator: 'is_empty' }] },
    {
      filters: [
        { key: 'lang', operator: '==', value: 'en' },
        { key: 'year', operator: '<', value: 2000 },
      ],
      condition: 'and',
    },
    {
      filters: [
        { key: 'lang', operator: '==', value: 'de' },
        { key: 'source', operator: '==', value: 'jargon' },
      ],
      condition: 'or',
    },
  ];

  it('selects the same nodes for every operator and condition', async () => {
    // The store never embeds here (nodes carry embeddings), but its constructor wants a model.
    const store = new SimpleVectorStore({ embedModel: await GloveEmbedding.load() });
    const source = new Document({ text: 'source', id_: 'doc' });
    const nodes = rows.map((metadata, i) => {
      const node = new TextNode({ id_: `n${i}`, text: metadata.title as string, metadata: structuredClone(metadata) as Metadata });
      node.relationships = { SOURCE: source.asRelatedNodeInfo() };
      node.embedding = [1, i + 1];
      return node;
    });
    await store.add(nodes);
    for (const filters of filterCases) {
      const res = await store.query({ queryEmbedding: [1, 1], similarityTopK: rows.length, mode: VectorStoreQueryMode.DEFAULT, filters });
      const expected = [...res.ids].sort();
      // Each case must discriminate, or agreement would prove nothing.
      expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(filters)).toBeLessThan(rows.length);
      const ast = toPayloadFilter(filters)!;
      const actual = rows.flatMap((row, i) => (passes(row as Payload, ast) ? [`n${i}`] : []));
      expect(actual, JSON.stringify(filters)).toEqual(expected);
    }
  });
});
