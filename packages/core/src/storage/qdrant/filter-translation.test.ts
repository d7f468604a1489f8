import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { matchesFilter, normalizeFilter, type FilterScalar, type PayloadFilter } from '../../filter.js';
import { isQdrantTranslatable, qdrantKey, toQdrantFilter, untranslatableReason } from './filter-translation.js';
import { qdrantFilterMatches } from '@srm/testkit/qdrant/emulator';

const t = (f: unknown, keyPrefix?: string) => toQdrantFilter(normalizeFilter(f), keyPrefix ? { keyPrefix } : {});

describe('toQdrantFilter', () => {
  describe('equality', () => {
    it('matches strings, integers and booleans with match.value', () => {
      expect(t({ lang: 'en' })).toEqual({ must: [{ key: 'lang', match: { value: 'en' } }] });
      expect(t({ field: 'n', op: 'eq', value: 3 })).toEqual({ must: [{ key: 'n', match: { value: 3 } }] });
      expect(t({ field: 'ok', op: 'eq', value: false })).toEqual({ must: [{ key: 'ok', match: { value: false } }] });
    });

    it('matches a non-integer number with a closed range, since match.value takes no floats', () => {
      expect(t({ field: 'p', op: 'eq', value: 0.25 })).toEqual({ must: [{ key: 'p', range: { gte: 0.25, lte: 0.25 } }] });
    });

    it('turns ne into must_not so that a missing field matches, as matchesFilter does', () => {
      expect(t({ field: 'lang', op: 'ne', value: 'en' })).toEqual({ must_not: [{ key: 'lang', match: { value: 'en' } }] });
    });

    it('expands the shorthand into a must of equalities', () => {
      expect(t({ a: 'x', b: 2 })).toEqual({
        must: [
          { key: 'a', match: { value: 'x' } },
          { key: 'b', match: { value: 2 } },
        ],
      });
    });
  });

  describe('in and nin', () => {
    it('uses match.any for an all-string or all-integer list', () => {
      expect(t({ field: 'lang', op: 'in', value: ['en', 'fr'] })).toEqual({ must: [{ key: 'lang', match: { any: ['en', 'fr'] } }] });
      expect(t({ field: 'n', op: 'in', value: [1, 2] })).toEqual({ must: [{ key: 'n', match: { any: [1, 2] } }] });
    });

    it('splits a mixed list into a should of per-kind conditions', () => {
      expect(t({ field: 'v', op: 'in', value: ['a', 1, true, 0.5] })).toEqual({
        should: [
          { key: 'v', match: { any: [1] } },
          { key: 'v', match: { any: ['a'] } },
          { key: 'v', match: { value: true } },
          { key: 'v', range: { gte: 0.5, lte: 0.5 } },
        ],
      });
    });

    it('negates in for nin', () => {
      expect(t({ field: 'lang', op: 'nin', value: ['en'] })).toEqual({ must_not: [{ key: 'lang', match: { any: ['en'] } }] });
    });

    it('reports "matches nothing" as false for in [] and matches everything for nin []', () => {
      expect(t({ field: 'lang', op: 'in', value: [] })).toBe(false);
      expect(t({ field: 'lang', op: 'nin', value: [] })).toEqual({});
    });
  });

  describe('ranges', () => {
    it('maps numeric comparisons to range', () => {
      expect(
        t({
          and: [
            { field: 'n', op: 'gt', value: 1 },
            { field: 'n', op: 'lte', value: 9.5 },
          ],
        }),
      ).toEqual({
        must: [
          { key: 'n', range: { gt: 1 } },
          { key: 'n', range: { lte: 9.5 } },
        ],
      });
    });

    it('refuses a range on a string with InvalidInputError naming the path', () => {
      expect(() => t({ and: [{ field: 'd', op: 'gte', value: '2024' }] })).toThrow(InvalidInputError);
      expect(() => t({ and: [{ field: 'd', op: 'gte', value: '2024' }] })).toThrow(/filter\.and\[0\].*numeric/);
    });
  });

  describe('contains, text and exists', () => {
    it('matches an array element or a substring for a string value', () => {
      expect(t({ field: 'tags', op: 'contains', value: 'ai' })).toEqual({
        should: [
          { key: 'tags', match: { value: 'ai' } },
          { key: 'tags', match: { text: 'ai' } },
        ],
      });
      expect(t({ field: 'ns', op: 'contains', value: 4 })).toEqual({ must: [{ key: 'ns', match: { value: 4 } }] });
    });

    it('refuses the case-insensitive text operator', () => {
      expect(() => t({ field: 'title', op: 'text', value: 'Hello' })).toThrow(InvalidInputError);
    });

    it('maps exists to is_empty', () => {
      expect(t({ field: 'x', op: 'exists', value: true })).toEqual({ must_not: [{ is_empty: { key: 'x' } }] });
      expect(t({ field: 'x', op: 'exists', value: false })).toEqual({ must: [{ is_empty: { key: 'x' } }] });
    });
  });

  describe('logical operators', () => {
    it('maps and, or and not to must, should and must_not', () => {
      expect(t({ or: [{ a: 1 }, { not: { b: 'x' } }] })).toEqual({
        should: [{ key: 'a', match: { value: 1 } }, { must_not: [{ key: 'b', match: { value: 'x' } }] }],
      });
    });

    it('folds constant branches: or [] matches nothing, and [] everything', () => {
      expect(t({ or: [] })).toBe(false);
      expect(t({ and: [] })).toEqual({});
      expect(t({ not: { or: [] } })).toEqual({});
      expect(t({ and: [{ a: 1 }, { or: [] }] })).toBe(false);
      expect(t({ or: [{ a: 1 }, { and: [] }] })).toEqual({});
      expect(t({ or: [{ a: 1 }, { or: [] }] })).toEqual({ should: [{ key: 'a', match: { value: 1 } }] });
    });
  });

  describe('keys', () => {
    it('places fields under the key prefix', () => {
      expect(t({ 'meta.source': 'wiki' }, 'user')).toEqual({ must: [{ key: 'user.meta.source', match: { value: 'wiki' } }] });
    });

    it('quotes segments that are not plain identifiers, as Qdrant JSON paths need', () => {
      expect(qdrantKey('a b.c[0]', 'user')).toBe('user."a b"."c[0]"');
      expect(qdrantKey('__proto__.ok-1')).toBe('__proto__.ok-1');
      expect(qdrantKey('größe')).toBe('größe');
    });

    it('refuses a segment with a double quote or a backslash', () => {
      expect(() => qdrantKey('say"hi')).toThrow(InvalidInputError);
      expect(() => t({ 'a\\b': 1 })).toThrow(InvalidInputError);
    });
  });
});

describe('isQdrantTranslatable', () => {
  it('tells translatable filters from the others, with the reason', () => {
    expect(isQdrantTranslatable(normalizeFilter({ a: 1 }))).toBe(true);
    expect(isQdrantTranslatable(normalizeFilter({ field: 'a', op: 'text', value: 'x' }))).toBe(false);
    expect(untranslatableReason(normalizeFilter({ or: [{ a: 1 }, { field: 'a', op: 'lt', value: 'm' }] }))).toMatch(/filter\.or\[1\]/);
  });
});

describe('translation agrees with matchesFilter (property)', () => {
  // A payload domain where our semantics and Qdrant's coincide: no arrays of
  // objects, no empty arrays, single-character array elements (so "contains
  // as substring" and "contains as element" cannot disagree).
  const payloadArb = fc.record(
    {
      n: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null)),
      f: fc.constantFrom(-1.5, 0, 0.25, 2),
      s: fc.constantFrom('alpha', 'beta', 'al', ''),
      b: fc.boolean(),
      tags: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }),
      m: fc.record({ x: fc.integer({ min: 0, max: 2 }) }),
    },
    { requiredKeys: [] },
  );
  const scalar: fc.Arbitrary<FilterScalar> = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(-1.5, 0.25, 2),
    fc.constantFrom('alpha', 'al', 'a', 'b', 'zz', ''),
    fc.boolean(),
  );
  const field = fc.constantFrom('n', 'f', 's', 'b', 'tags', 'm.x', 'missing');
  const condition: fc.Arbitrary<PayloadFilter> = fc.oneof(
    fc.record({ field, op: fc.constantFrom('eq' as const, 'ne' as const), value: scalar }),
    fc.record({ field, op: fc.constantFrom('in' as const, 'nin' as const), value: fc.array(scalar, { maxLength: 3 }) }),
    fc.record({ field, op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), value: fc.constantFrom(-2, 0, 0.25, 1) }),
    fc.record({ field: fc.constantFrom('s', 'tags'), op: fc.constant('contains' as const), value: scalar }),
    fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }),
  );
  const filterArb: fc.Arbitrary<PayloadFilter> = fc.letrec<{ f: PayloadFilter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      condition,
      fc.record({ and: fc.array(tie('f'), { maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('f'), { maxLength: 3 }) }),
      fc.record({ not: tie('f') }),
    ),
  })).f;

  it('selects the same payloads as the in-process filter', () => {
    fc.assert(
      fc.property(filterArb, fc.array(payloadArb, { minLength: 1, maxLength: 8 }), (filter, payloads) => {
        const ast = normalizeFilter(filter);
        const q = toQdrantFilter(ast);
        for (const p of payloads) {
          const remote = q === false ? false : qdrantFilterMatches(p, q);
          expect(remote).toBe(matchesFilter(p, ast));
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
