/**
 * The SQL of a filter on its own, without the store's re-check: where it says it is exact it
 * selects exactly what `matchesFilter` accepts, and where it is not it selects a superset.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesFilter, normalizeFilter, type PayloadFilter } from '../../filter.js';
import type { Payload } from '../types.js';
import { toSqlFilter } from './sql-filter.js';

const db = new Database(':memory:');
db.exec('CREATE TABLE items (slot INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
afterAll(() => db.close());

function selected(payloads: Payload[], filter: PayloadFilter): { slots: number[]; exact: boolean } {
  db.exec('DELETE FROM items');
  const insert = db.prepare('INSERT INTO items (slot, payload) VALUES (?, ?)');
  payloads.forEach((p, i) => insert.run(i, JSON.stringify(p)));
  const where = toSqlFilter(filter);
  const slots = db
    .prepare(`SELECT slot FROM items WHERE ${where.sql} ORDER BY slot`)
    .pluck(true)
    .all(...where.params) as number[];
  return { slots, exact: where.exact };
}

const scalar = fc.oneof(fc.constantFrom('a', 'b', 'ab', '', 'Ä'), fc.integer({ min: -2, max: 2 }), fc.constantFrom(0.5, 1.5), fc.boolean());
const value = fc.oneof(scalar, fc.constant(null), fc.array(scalar, { maxLength: 3 }), fc.record({ x: scalar }));
const payload = fc.dictionary(fc.constantFrom('f', 'g', 'h'), value, { maxKeys: 3 });
const field = fc.constantFrom('f', 'g', 'h.x', 'f.x');
const condition = fc.oneof(
  fc.record({ field, op: fc.constantFrom('eq', 'ne', 'contains'), value: scalar }),
  fc.record({ field, op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom('a', 'b')) }),
  fc.record({ field, op: fc.constantFrom('in', 'nin'), value: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ field, op: fc.constant('exists'), value: fc.boolean() }),
  fc.record({ field, op: fc.constant('text'), value: fc.constantFrom('A', 'ä', 'b') }),
);
const filter: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;

describe('toSqlFilter', () => {
  it('selects by a long in / nin list (thousands of document ids) without nesting an expression per value', () => {
    const payloads: Payload[] = Array.from({ length: 50 }, (_, i) => ({ doc: `doc-${i}`, n: i }));
    for (const count of [3, 5_000, 20_000]) {
      const ids = Array.from({ length: count }, (_, i) => `doc-${2 * i}`);
      const ast = normalizeFilter({ field: 'doc', op: 'in', value: ids });
      const want = payloads.flatMap((p, i) => (matchesFilter(p, ast) ? [i] : []));
      const got = selected(payloads, ast);
      // A list too long to bind selects a superset, which the store checks in process.
      if (got.exact) expect(got.slots).toEqual(want);
      else expect(want.every((slot) => got.slots.includes(slot))).toBe(true);
      expect(got.exact).toBe(count <= 10_000);
      const none = selected(payloads, normalizeFilter({ field: 'doc', op: 'nin', value: ids }));
      if (none.exact) expect(none.slots).toEqual(payloads.flatMap((_, i) => (want.includes(i) ? [] : [i])));
    }
  });

  it('selects what matchesFilter accepts when exact, and a superset otherwise', () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 8 }), filter, (payloads, input) => {
        const ast = normalizeFilter(input);
        const want = payloads.flatMap((p, i) => (matchesFilter(p, ast) ? [i] : []));
        const got = selected(payloads, ast);
        if (got.exact) expect(got.slots).toEqual(want);
        else expect(want.every((slot) => got.slots.includes(slot))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('is exact for the conditions the adapters push down (equality, contains, numeric ranges, exists)', () => {
    const pushed: unknown[] = [
      { refDocId: 'doc-1' },
      { and: [{ main: true }, { field: 'nsPrefixes', op: 'contains', value: 'a\u0000b' }] },
      {
        or: [
          { field: 'expiresAt', op: 'exists', value: false },
          { field: 'expiresAt', op: 'gt', value: 5 },
        ],
      },
      { field: 'meta.src', op: 'nin', value: ['x', 1] },
    ];
    for (const f of pushed) expect(toSqlFilter(normalizeFilter(f)).exact).toBe(true);
    expect(toSqlFilter(normalizeFilter({ field: 'title', op: 'text', value: 'x' })).exact).toBe(false);
    expect(toSqlFilter(normalizeFilter({ field: 'tags.0', op: 'eq', value: 'x' })).exact).toBe(false);
  });

  it('binds values and paths as parameters, never as SQL text', () => {
    const where = toSqlFilter(normalizeFilter({ "x') OR 1=1 --": "y' OR '1'='1" }));
    expect(where.sql).not.toContain('OR 1=1');
    expect(where.params).toContain("y' OR '1'='1");
    expect(selected([{ a: 1 }], normalizeFilter({ "x') OR 1=1 --": "y' OR '1'='1" })).slots).toEqual([]);
  });
});
