import { describe, expect, it } from 'vitest';
import { InvalidInputError, matchesFilter } from '@srm/core';
import { translateMetadataFilter } from './metadata-filter.js';

describe('translateMetadataFilter', () => {
  it('turns equality shorthand into conditions on the scoped field', () => {
    expect(translateMetadataFilter({ source: 'a' }, 'metadata')).toEqual({ field: 'metadata.source', op: 'eq', value: 'a' });
    expect(translateMetadataFilter({ source: 'a', n: 2 }, 'metadata')).toEqual({
      and: [
        { field: 'metadata.source', op: 'eq', value: 'a' },
        { field: 'metadata.n', op: 'eq', value: 2 },
      ],
    });
  });

  it('translates every Mongo-like operator', () => {
    const f = translateMetadataFilter(
      {
        a: { $eq: 1 },
        b: { $ne: 'x' },
        c: { $gt: 1, $lte: 5 },
        d: { $gte: 2 },
        e: { $lt: 3 },
        f: { $in: ['p', 'q'] },
        g: { $nin: [1] },
        h: { $exists: true },
        i: { $contains: 'tag' },
      },
      'value',
    );
    expect(f).toEqual({
      and: [
        { field: 'value.a', op: 'eq', value: 1 },
        { field: 'value.b', op: 'ne', value: 'x' },
        { field: 'value.c', op: 'gt', value: 1 },
        { field: 'value.c', op: 'lte', value: 5 },
        { field: 'value.d', op: 'gte', value: 2 },
        { field: 'value.e', op: 'lt', value: 3 },
        { field: 'value.f', op: 'in', value: ['p', 'q'] },
        { field: 'value.g', op: 'nin', value: [1] },
        { field: 'value.h', op: 'exists', value: true },
        { field: 'value.i', op: 'contains', value: 'tag' },
      ],
    });
  });

  it('translates $and, $or and $not recursively', () => {
    expect(translateMetadataFilter({ $or: [{ a: 1 }, { $not: { b: { $in: [2, 3] } } }] }, 'metadata')).toEqual({
      or: [{ field: 'metadata.a', op: 'eq', value: 1 }, { not: { field: 'metadata.b', op: 'in', value: [2, 3] } }],
    });
    expect(translateMetadataFilter({ $and: [{ a: 1 }] }, 'metadata')).toEqual({ and: [{ field: 'metadata.a', op: 'eq', value: 1 }] });
  });

  it('reads null as absence, and $eq/$ne null as absence/presence', () => {
    expect(translateMetadataFilter({ a: null }, 'm')).toEqual({ field: 'm.a', op: 'exists', value: false });
    expect(translateMetadataFilter({ a: { $eq: null } }, 'm')).toEqual({ field: 'm.a', op: 'exists', value: false });
    expect(translateMetadataFilter({ a: { $ne: null } }, 'm')).toEqual({ field: 'm.a', op: 'exists', value: true });
  });

  it('accepts the core AST and prefixes its fields', () => {
    expect(translateMetadataFilter({ and: [{ field: 'a.b', op: 'gte', value: 1 }, { not: { field: 'c', op: 'eq', value: true } }] }, 'metadata')).toEqual({
      and: [{ field: 'metadata.a.b', op: 'gte', value: 1 }, { not: { field: 'metadata.c', op: 'eq', value: true } }],
    });
  });

  it('uses no prefix for an empty scope', () => {
    expect(translateMetadataFilter({ a: 1 }, '')).toEqual({ field: 'a', op: 'eq', value: 1 });
  });

  it('matches payloads as LangChain users expect', () => {
    const f = translateMetadataFilter({ $and: [{ lang: 'en' }, { year: { $gte: 2020 } }] }, 'metadata');
    expect(matchesFilter({ metadata: { lang: 'en', year: 2021 } }, f)).toBe(true);
    expect(matchesFilter({ metadata: { lang: 'en', year: 2019 } }, f)).toBe(false);
    expect(matchesFilter({ metadata: { lang: 'de', year: 2021 } }, f)).toBe(false);
    // The scope keeps other payload fields out of reach.
    expect(matchesFilter({ lang: 'en', year: 2021, metadata: {} }, f)).toBe(false);
  });

  it.each([
    ['a string', 'source = a'],
    ['a number', 42],
    ['an array', [{ a: 1 }]],
    ['null', null],
    ['a Date', new Date()],
  ])('rejects %s with InvalidInputError', (_, input) => {
    expect(() => translateMetadataFilter(input, 'metadata')).toThrow(InvalidInputError);
  });

  it('rejects unknown operators, naming them', () => {
    expect(() => translateMetadataFilter({ a: { $regex: 'x' } }, 'metadata')).toThrow(/\$regex/);
    expect(() => translateMetadataFilter({ $nor: [] }, 'metadata')).toThrow(/\$nor/);
  });

  it('rejects values that are not scalars, with the path of the problem', () => {
    expect(() => translateMetadataFilter({ a: { b: 1 } }, 'metadata')).toThrow(/filter\.a\.b/);
    expect(() => translateMetadataFilter({ a: [1, 2] }, 'metadata')).toThrow(InvalidInputError);
    expect(() => translateMetadataFilter({ a: { $in: 'x' } }, 'metadata')).toThrow(InvalidInputError);
    expect(() => translateMetadataFilter({ a: { $exists: 'yes' } }, 'metadata')).toThrow(InvalidInputError);
    expect(() => translateMetadataFilter({ a: {} }, 'metadata')).toThrow(/at least one operator/);
  });

  it('rejects connectives mixed with other keys and non-array connectives', () => {
    expect(() => translateMetadataFilter({ $and: [{ a: 1 }], b: 2 }, 'metadata')).toThrow(/only key/);
    expect(() => translateMetadataFilter({ $or: { a: 1 } }, 'metadata')).toThrow(/array/);
  });

  it('never reaches an object prototype', () => {
    const f = translateMetadataFilter(JSON.parse('{"__proto__": "x"}'), 'metadata');
    expect(matchesFilter({ metadata: {} }, f)).toBe(false);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
