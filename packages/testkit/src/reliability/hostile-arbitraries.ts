/**
 * fast-check arbitraries of hostile input, shared by the property tests of
 * both memories (and mirrored in the adapters' tests): non-finite, huge and
 * denormal numbers, wrong lengths, ill-formed strings, prototype-polluting
 * keys, path-like and separator-laden ids, and filters of the wrong shape.
 */
import fc from 'fast-check';

/** 1 MB of text, and texts right at / past the payload limit, built once. */
export const BIG_TEXTS = {
  oneMiB: 'x'.repeat(1 << 20),
  nearLimit: 'y'.repeat(999_000),
  astral: '\u{1F600}'.repeat(300_000), // 600k code units, 1.2 MB of UTF-8
};

/** Numbers that break naive vector code. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(), // includes NaN, ±Infinity, -0 and denormals
  fc.float(),
  fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 3.5e38, 3.4e38, 5e-324, 1e-310, 1e-45, -0, 0),
  // BigInt and Symbol elements are left to dedicated tests (srm-hostile-input.test.ts) so a failure there does not hide others.
  fc.constantFrom<unknown>('1', '', null, undefined, true, {}, [1]),
);

/** A vector for dimension `d`: sometimes valid, often not. */
export function hostileVector(d: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: d, maxLength: d }),
    fc.array(hostileNumber, { minLength: d, maxLength: d }),
    fc.array(fc.double(), { maxLength: d + 3 }), // wrong lengths, empty included
    fc.float32Array({ minLength: d, maxLength: d }),
    fc.float32Array({ maxLength: 2 * d + 1 }),
    fc.constant(new Array(d)), // holes
    fc.constant(Array.from({ length: d }, () => 0)), // zero vector: no direction for cosine
    fc.constantFrom<unknown>(null, undefined, 'vector', 7, { length: d }, [[1, 2]], new Float64Array(d).fill(0.5)),
  );
}

/** Strings with lone surrogates, control characters, separators, path tricks, or nothing at all. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }), // any code point, lone surrogates included
  fc.string({ unit: 'binary-ascii', maxLength: 12 }), // control characters
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom(
    '',
    ' ',
    '\t',
    '::',
    'a::b',
    'a:',
    ':a',
    '/',
    'a/b',
    '..',
    '../..',
    '../../etc/passwd',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDC00',
    '\uDBFF\uDFFF',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    '%',
    '_',
    "' OR '1'='1",
    '"; DROP TABLE stores; --',
    'ß',
    'SS',
    'K',
    'ı',
    'İ',
    '\u202e',
    '\uFEFF',
  ),
);

/** An id (or agent id): mostly hostile strings, sometimes not a string at all. */
export const hostileId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('i'.repeat(512), 'i'.repeat(513), 1, null, undefined, {}, ['a'], Symbol.for('id')) },
);

/** An object with an own key `key` (a literal `{ __proto__: x }` would set the prototype instead). */
export function withOwnKey(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Payloads / metadata: JSON-like objects, prototype-polluting keys, huge texts, and non-objects. */
export const hostilePayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      JSON.parse('{"__proto__": {"polluted": "yes", "isAdmin": true}}'),
      withOwnKey('__proto__', { polluted: 'yes' }),
      { constructor: { prototype: { polluted: 'yes' } } },
      { prototype: { polluted: 'yes' } },
      JSON.parse('{"a": {"__proto__": {"polluted": 1}}, "constructor": {"prototype": {"injected": 1}}}'),
      { text: BIG_TEXTS.nearLimit },
      { text: BIG_TEXTS.oneMiB },
      { text: BIG_TEXTS.astral },
      { text: '' },
      { text: '\uD800 lone \uDC00', ctl: '\u0000\u0007\u001b[31m' },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'payload', 3, [1, 2], new Date(0), new Map([['a', 1]]), { big: 1n }) },
);

/** Filters: valid ones and every wrong shape we can think of. */
export const hostileFilter: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { tag: 'a' },
    { field: 'tag', op: 'in', value: ['a', 'b'] },
    { or: [{ tag: 'a' }, { not: { tag: 'a' } }] },
    [],
    'tag = a',
    42,
    null,
    { field: 1, op: 'eq', value: 1 },
    { field: 'tag', op: 'regex', value: '.*' },
    { field: 'tag', op: 'in', value: 'a' },
    { field: 'tag', op: 'eq', value: { $ne: null } },
    { field: '', op: 'eq', value: 1 },
    { field: 'a..b', op: 'eq', value: 1 },
    { and: 'everything' },
    { or: [1, 2] },
    { not: null },
    { and: [], or: [] },
    { tag: { $ne: 'a' } },
    { tag: NaN },
    { tag: Infinity },
    { tag: [1, 2] },
    { tag: undefined },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { field: '__proto__.polluted', op: 'exists', value: true },
    { 'constructor.prototype.polluted': 1 },
    { field: 'constructor', op: 'eq', value: 'Object' },
    JSON.parse('{' + '"not":{'.repeat(40) + '"a":1' + '}'.repeat(41)),
    new Map([['tag', 'a']]),
    Object.create({ tag: 'a' }),
  ),
  fc.anything({ maxDepth: 2 }),
);

/** Result counts: valid and not. */
export const hostileK: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 25 }),
  fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, 1e9, 10_001, '3', null, undefined),
);
