import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, InvalidConfigError, InvalidInputError, LimitExceededError } from '../errors.js';
import { Limits } from '../limits.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { nameToken, queryVector } from './bm25.js';
import { glossaryId } from './ids.js';
import { SemanticMemory } from './semantic-memory.js';
import { FIXTURE_ENTRIES } from '../../test/fixtures/glossary/glossary-v1-entries.mjs';
import { WordTokenizer } from './tokenizer.js';
import type { MemorizeInput } from './validation.js';

const FIXTURE_V1 = fileURLToPath(new URL('../../test/fixtures/glossary/glossary-v1', import.meta.url));

const A = 'agent-a';
const B = 'agent-b';

const TERMS: MemorizeInput[] = [
  {
    key: 'JWT',
    value: 'JSON Web Token',
    agentId: A,
    category: 'auth',
    aliases: ['json web token'],
    description: 'A signed token carrying claims between parties.',
  },
  {
    key: 'PII',
    value: 'Personally Identifiable Information',
    agentId: A,
    category: 'compliance',
    aliases: ['private data', 'sensitive info'],
    description: 'Any data that could identify an individual.',
  },
  { key: 'k8s', value: 'Kubernetes', agentId: A, category: 'infra', aliases: ['kube'], description: 'Container orchestration system.' },
  { key: 'KYC', value: 'Know Your Customer', agentId: A, category: 'compliance', description: 'Identity checks before onboarding a client.' },
  { key: 'C++', value: 'A programming language', agentId: A, category: 'language' },
  { key: 'C#', value: 'A programming language from Microsoft', agentId: A, category: 'language' },
  { key: 'session token', value: 'An opaque server-side session identifier', agentId: A, category: 'auth' },
];

let memory: SemanticMemory;

beforeEach(async () => {
  memory = await SemanticMemory.open();
});

afterEach(async () => {
  await memory.close();
});

describe('SemanticMemory.open', () => {
  it('opens an in-memory glossary by default', async () => {
    expect(await memory.entryCount(A)).toBe(0);
    expect(memory.tokenizer.name).toBe('word');
  });

  it('works on a backend the caller owns, and leaves it open on close', async () => {
    const storage = EmbeddedStorage.inMemory();
    const m = await SemanticMemory.open({ storage, name: 'team-glossary' });
    await m.memorize({ key: 'SLA', value: 'Service Level Agreement', agentId: A });
    await m.close();
    expect((await storage.listStores()).glossary).toContain('team-glossary');
    const again = await SemanticMemory.open({ storage, name: 'team-glossary' });
    expect(await again.entryCount(A)).toBe(1);
    await storage.close();
  });

  it('refuses both path and storage, and bad tuning', async () => {
    await expect(SemanticMemory.open({ path: '/tmp/x', storage: EmbeddedStorage.inMemory() })).rejects.toThrow(InvalidConfigError);
    await expect(SemanticMemory.open({ k1: -1 })).rejects.toThrow(InvalidConfigError);
    await expect(SemanticMemory.open({ name: '' })).rejects.toThrow(InvalidConfigError);
  });
});

describe('memorize', () => {
  it('returns the UUID5 id of agent and lowercased key', async () => {
    expect(await memory.memorize(TERMS[0]!)).toBe(glossaryId(A, 'jwt'));
  });

  it('is an idempotent upsert: the same key in any case overwrites and keeps the latest casing', async () => {
    const id1 = await memory.memorize({ key: 'Kubernetes', value: 'v1', agentId: A });
    const id2 = await memory.memorize({ key: 'KUBERNETES', value: 'v2', agentId: A });
    const id3 = await memory.memorize({ key: 'KUBERNETES', value: 'v2', agentId: A });
    expect(new Set([id1, id2, id3]).size).toBe(1);
    expect(await memory.entryCount(A)).toBe(1);
    const entry = await memory.get('kubernetes', A);
    expect(entry).toMatchObject({ key: 'KUBERNETES', value: 'v2', category: 'general', aliases: [], description: '' });
    expect((await memory.recall('kubernetes', { agentId: A })).map((h) => h.value)).toEqual(['v2']);
  });

  it('trims the key', async () => {
    await memory.memorize({ key: '  JWT ', value: 'x', agentId: A });
    expect((await memory.get('jwt', A))?.key).toBe('JWT');
  });

  it('finds an entry by a word of its description', async () => {
    await memory.memorizeMany(TERMS);
    expect((await memory.recall('orchestration', { agentId: A }))[0]?.key).toBe('k8s');
  });
});

describe('memorizeMany', () => {
  it('writes all entries and returns their ids in order', async () => {
    const ids = await memory.memorizeMany(TERMS);
    expect(ids).toEqual(TERMS.map((t) => glossaryId(A, t.key)));
    expect(await memory.entryCount(A)).toBe(TERMS.length);
  });

  it('refuses two entries with the same key in any case, writing nothing', async () => {
    await expect(memory.memorizeMany([TERMS[0]!, { ...TERMS[1]! }, { ...TERMS[0]!, key: 'jwt' }])).rejects.toThrow(InvalidInputError);
    expect(await memory.entryCount(A)).toBe(0);
  });

  it('refuses a batch above Limits.maxBatchSize', async () => {
    const big = new Array<MemorizeInput>(Limits.maxBatchSize + 1).fill(TERMS[0]!);
    await expect(memory.memorizeMany(big)).rejects.toThrow(LimitExceededError);
  });
});

describe('input validation', () => {
  beforeEach(async () => {
    await memory.memorizeMany(TERMS);
  });

  const bad: [string, unknown, typeof InvalidInputError | typeof LimitExceededError][] = [
    ['an empty key', { key: '', value: 'v', agentId: A }, InvalidInputError],
    ['a blank key', { key: '   ', value: 'v', agentId: A }, InvalidInputError],
    ['an empty value', { key: 'k', value: '', agentId: A }, InvalidInputError],
    ['a 1 MB description', { key: 'k', value: 'v', agentId: A, description: 'x'.repeat(1_000_000) }, LimitExceededError],
    ['a key over maxKeyLength', { key: 'k'.repeat(Limits.maxKeyLength + 1), value: 'v', agentId: A }, LimitExceededError],
    ['a numeric key', { key: 42, value: 'v', agentId: A }, InvalidInputError],
    ['a null value', { key: 'k', value: null, agentId: A }, InvalidInputError],
    ['an object description', { key: 'k', value: 'v', agentId: A, description: { a: 1 } }, InvalidInputError],
    ['aliases that are not an array', { key: 'k', value: 'v', agentId: A, aliases: 'alias' }, InvalidInputError],
    ['a non-string alias', { key: 'k', value: 'v', agentId: A, aliases: ['ok', 7] }, InvalidInputError],
    ['too many aliases', { key: 'k', value: 'v', agentId: A, aliases: Array.from({ length: Limits.maxAliases + 1 }, (_, i) => `a${i}`) }, LimitExceededError],
    ['a missing agentId', { key: 'k', value: 'v' }, InvalidInputError],
    ['an empty agentId', { key: 'k', value: 'v', agentId: '' }, InvalidInputError],
    ['an agentId with "::"', { key: 'k', value: 'v', agentId: 'a::b' }, InvalidInputError],
    ['an agentId ending with ":"', { key: 'k', value: 'v', agentId: 'a:' }, InvalidInputError],
    ['an agentId with NUL', { key: 'k', value: 'v', agentId: 'a\u0000b' }, InvalidInputError],
    ['a key with a lone surrogate', { key: 'k\uD800', value: 'v', agentId: A }, InvalidInputError],
    ['a value with a lone surrogate', { key: 'k', value: '\uDC00v', agentId: A }, InvalidInputError],
    ['not an object', 'JWT', InvalidInputError],
  ];

  it.each(bad)('refuses %s with a typed error and changes nothing', async (_, input, ErrorClass) => {
    const before = await memory.listAll(A);
    await expect(memory.memorize(input as MemorizeInput)).rejects.toThrow(ErrorClass);
    await expect(memory.memorizeMany([{ key: 'fresh', value: 'v', agentId: A }, input as MemorizeInput])).rejects.toThrow(ErrorClass);
    expect(await memory.listAll(A)).toEqual(before);
    expect(await memory.get('fresh', A)).toBeUndefined();
  });

  it('checks recall arguments', async () => {
    await expect(memory.recall(42 as unknown as string, { agentId: A })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x', { agentId: 'a::b' })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x', { agentId: A, topK: 0 })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x', { agentId: A, topK: 2.5 })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x', { agentId: A, topK: Limits.maxK + 1 })).rejects.toThrow(LimitExceededError);
    await expect(memory.recall('x', { agentId: A, scoreThreshold: Number.NaN })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x', { agentId: A, minRelevance: 1.5 })).rejects.toThrow(InvalidInputError);
    await expect(memory.recall('x'.repeat(Limits.maxQueryLength + 1), { agentId: A })).rejects.toThrow(LimitExceededError);
    await expect(memory.recall('x', undefined as unknown as { agentId: string })).rejects.toThrow(InvalidInputError);
  });
});

describe('recall', () => {
  beforeEach(async () => {
    await memory.memorizeMany(TERMS);
  });

  it('finds jargon by key, alias and exact tokens, best first', async () => {
    expect((await memory.recall('jwt', { agentId: A }))[0]?.key).toBe('JWT');
    expect((await memory.recall('How do we handle private data?', { agentId: A }))[0]?.key).toBe('PII');
    expect((await memory.recall('deploy to K8S', { agentId: A }))[0]?.key).toBe('k8s');
    expect((await memory.recall('c++', { agentId: A }))[0]?.key).toBe('C++');
    expect((await memory.recall('C#', { agentId: A }))[0]?.key).toBe('C#');
    const hits = await memory.recall('token', { agentId: A, topK: 10 });
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
  });

  it('returns the entry fields and a score, without internals', async () => {
    const [hit] = await memory.recall('KYC', { agentId: A });
    expect(hit).toEqual({
      id: glossaryId(A, 'KYC'),
      key: 'KYC',
      value: 'Know Your Customer',
      category: 'compliance',
      aliases: [],
      description: 'Identity checks before onboarding a client.',
      score: expect.any(Number),
    });
  });

  it('does not return a dense neighbour: "session token" does not bring back JWT first', async () => {
    expect((await memory.recall('session token', { agentId: A }))[0]?.key).toBe('session token');
  });

  it('honours topK', async () => {
    expect(await memory.recall('a programming language token data', { agentId: A, topK: 2 })).toHaveLength(2);
  });

  it('returns nothing for a query without tokens or without known terms', async () => {
    expect(await memory.recall('?!', { agentId: A })).toEqual([]);
    expect(await memory.recall('zyzzyva', { agentId: A })).toEqual([]);
    expect(await memory.recall('zyzzyva', { agentId: A, minRelevance: 0.1 })).toEqual([]);
  });

  describe('thresholds', () => {
    it('scoreThreshold keeps hits with a raw score at or above it', async () => {
      const all = await memory.recall('programming language microsoft', { agentId: A, topK: 10 });
      expect(all.map((h) => h.key).slice(0, 2)).toEqual(['C#', 'C++']);
      const cut = (all[0]!.score + all[1]!.score) / 2;
      expect((await memory.recall('programming language microsoft', { agentId: A, topK: 10, scoreThreshold: cut })).map((h) => h.key)).toEqual(['C#']);
    });

    it('minRelevance keeps hits whose score / max attainable score is at or above it', async () => {
      const all = await memory.recall('programming language microsoft', { agentId: A, topK: 10, withRelevance: true });
      for (const h of all) expect(h.relevance!).toBeGreaterThan(0);
      for (const h of all) expect(h.relevance!).toBeLessThanOrEqual(1);
      const cut = (all[0]!.relevance! + all[1]!.relevance!) / 2;
      const kept = await memory.recall('programming language microsoft', { agentId: A, topK: 10, minRelevance: cut });
      expect(kept.map((h) => h.key)).toEqual(['C#']);
      expect(kept[0]!.relevance).toBeCloseTo(all[0]!.relevance!, 12);
      expect(await memory.recall('programming language microsoft', { agentId: A, minRelevance: 1 })).toEqual([]);
    });

    it('relevance does not depend on words the glossary has never seen', async () => {
      const [plain] = await memory.recall('kubernetes', { agentId: A, withRelevance: true });
      const [chatty] = await memory.recall('kubernetes qwxz plok', { agentId: A, withRelevance: true });
      expect(chatty!.key).toBe('k8s');
      expect(chatty!.relevance).toBeCloseTo(plain!.relevance!, 12);
    });
  });
});

describe('agent isolation', () => {
  it("never recalls, lists, counts, gets or forgets another agent's entries", async () => {
    await memory.memorizeMany(TERMS);
    await memory.memorize({ key: 'JWT', value: "B's own JWT", agentId: B });
    await memory.memorize({ key: 'SAML', value: 'Security Assertion Markup Language', agentId: B });
    expect(await memory.recall('SAML', { agentId: A })).toEqual([]);
    expect((await memory.recall('JWT', { agentId: B })).map((h) => h.value)).toEqual(["B's own JWT"]);
    expect((await memory.listAll(B)).map((e) => e.key)).toEqual(['JWT', 'SAML']);
    expect(await memory.entryCount(B)).toBe(2);
    expect(await memory.get('saml', A)).toBeUndefined();
    expect(await memory.forget('SAML', A)).toBe(false);
    expect(await memory.forgetMany(['SAML', 'JWT'], 'agent-c')).toBe(0);
    expect(await memory.entryCount(B)).toBe(2);
    expect((await memory.get('jwt', A))?.value).toBe('JSON Web Token');
  });

  it('refuses agent ids that embed the separator, so "a::b"+"c" and "a"+"b::c" cannot collide', async () => {
    await expect(memory.memorize({ key: 'c', value: 'v', agentId: 'a::b' })).rejects.toThrow(InvalidInputError);
    await expect(memory.memorize({ key: ':c', value: 'v', agentId: 'a:' })).rejects.toThrow(InvalidInputError);
    const id = await memory.memorize({ key: 'b::c', value: 'v', agentId: 'a' });
    expect(id).toBe(glossaryId('a', 'b::c'));
    expect((await memory.get('B::C', 'a'))?.key).toBe('b::c');
  });

  it('keeps unicode keys and keys that differ only in case apart per agent', async () => {
    await memory.memorize({ key: 'Straße', value: 'street', agentId: A });
    await memory.memorize({ key: 'STRASSE', value: 'street (upper)', agentId: A });
    await memory.memorize({ key: 'ключ', value: 'key (ru)', agentId: A });
    await memory.memorize({ key: 'КЛЮЧ', value: 'KEY (ru)', agentId: B });
    expect(await memory.entryCount(A)).toBe(3); // 'straße' and 'strasse' lowercase differently
    expect((await memory.get('straße', A))?.value).toBe('street');
    expect((await memory.get('strasse', A))?.value).toBe('street (upper)');
    expect((await memory.get('Ключ', A))?.value).toBe('key (ru)');
    expect((await memory.get('ключ', B))?.value).toBe('KEY (ru)');
    expect((await memory.recall('ключ', { agentId: A })).map((h) => h.value)).toEqual(['key (ru)']);
  });

  it("lets another agent's entries shift idf, never the membership of results", async () => {
    await memory.memorizeMany(TERMS);
    const before = await memory.recall('programming language', { agentId: A, topK: 10 });
    await memory.memorizeMany(Array.from({ length: 30 }, (_, i) => ({ key: `lang${i}`, value: 'a programming language', agentId: B })));
    const after = await memory.recall('programming language', { agentId: A, topK: 10 });
    expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id));
    expect(after[0]!.score).toBeLessThan(before[0]!.score);
  });
});

describe('forget', () => {
  beforeEach(async () => {
    await memory.memorizeMany(TERMS);
  });

  it('deletes by key in any case and says whether something was deleted', async () => {
    expect(await memory.forget('jwt', A)).toBe(true);
    expect(await memory.forget('JWT', A)).toBe(false);
    expect(await memory.get('JWT', A)).toBeUndefined();
    expect(await memory.recall('json web token', { agentId: A })).not.toContainEqual(expect.objectContaining({ key: 'JWT' }));
  });

  it('refuses a bad key or agent', async () => {
    await expect(memory.forget('', A)).rejects.toThrow(InvalidInputError);
    await expect(memory.forget('k', '')).rejects.toThrow(InvalidInputError);
  });
});

describe('forgetMany', () => {
  it('counts what existed, once per key whatever its case', async () => {
    await memory.memorizeMany(TERMS);
    expect(await memory.forgetMany(['JWT', 'jwt', 'pii', 'nope'], A)).toBe(2);
    expect(await memory.forgetMany([], A)).toBe(0);
    expect(await memory.entryCount(A)).toBe(TERMS.length - 2);
  });
});

describe('listAll', () => {
  it('returns every entry sorted by lowercased key, then key, optionally by category', async () => {
    await memory.memorizeMany(TERMS);
    await memory.memorize({ key: 'apple', value: 'fruit', agentId: A });
    await memory.memorize({ key: 'Banana', value: 'fruit', agentId: A });
    const keys = (await memory.listAll(A)).map((e) => e.key);
    expect(keys).toEqual(['apple', 'Banana', 'C#', 'C++', 'JWT', 'k8s', 'KYC', 'PII', 'session token']);
    expect((await memory.listAll(A, { category: 'compliance' })).map((e) => e.key)).toEqual(['KYC', 'PII']);
    const [first] = await memory.listAll(A);
    expect(Object.keys(first!).sort()).toEqual(['agentId', 'aliases', 'category', 'description', 'id', 'key', 'updatedAt', 'value']);
  });
});

describe('entryCount', () => {
  it('is exact after mixed memorize, overwrite, forget and forgetMany', async () => {
    await memory.memorizeMany(TERMS);
    await memory.memorize({ key: 'jwt', value: 'again', agentId: A });
    await memory.memorize({ key: 'new', value: 'n', agentId: A });
    await memory.forget('k8s', A);
    await memory.forgetMany(['KYC', 'kyc', 'missing'], A);
    await memory.memorize({ key: 'other', value: 'o', agentId: B });
    expect(await memory.entryCount(A)).toBe(TERMS.length + 1 - 2);
    expect(await memory.entryCount(A)).toBe((await memory.listAll(A)).length);
  });
});

describe('queryTermsOf', () => {
  it('leaves the stop words out of the query terms and keeps them in its name token', () => {
    const tokens = ['the', 'router', 'of', 'the', 'lan'];
    expect(memory.queryTermsOf('The router of the LAN')).toEqual(queryVector(['router', 'lan', nameToken(tokens)!]));
  });

  it('keeps a query made only of stop words whole, so a key like IT is still found', async () => {
    const m = await SemanticMemory.open({ nameTokens: false });
    await m.memorizeMany([
      { key: 'IT', value: 'Information technology', agentId: A },
      { key: 'OT', value: 'Operational technology', agentId: A },
    ]);
    expect(m.queryTermsOf('IT')).toEqual(queryVector(['it']));
    expect((await m.recall('IT', { agentId: A })).map((h) => h.key)).toEqual(['IT']);
    await m.close();
  });

  it('keeps every word with queryStopWords: []', async () => {
    const m = await SemanticMemory.open({ queryStopWords: [] });
    expect(m.queryTermsOf('the router')).toEqual(queryVector(['the', 'router', nameToken(['the', 'router'])!]));
    await m.close();
  });
});

describe('with a stemming tokenizer', () => {
  it('finds an entry by another form of its words, and the exact form first', async () => {
    const entries = [
      { key: 'router', value: 'Forwards packets between networks.', agentId: A },
      { key: 'route', value: 'A path through a network.', agentId: A },
    ];
    await memory.memorizeMany(entries);
    expect(await memory.recall('routers', { agentId: A })).toEqual([]);
    const m = await SemanticMemory.open({ tokenizer: new WordTokenizer({ stem: true }) });
    await m.memorizeMany(entries);
    expect((await m.recall('routers', { agentId: A }))[0]?.key).toBe('router');
    expect((await m.recall('the best routing', { agentId: A }))[0]?.key).toBe('route');
    expect((await m.recall('route', { agentId: A }))[0]?.key).toBe('route');
    expect((await m.recall('forwarding a packet', { agentId: A }))[0]?.key).toBe('router');
    await m.close();
  });
});

describe('reindex', () => {
  it('rewrites stored weights with the current settings, so recall matches a fresh memorize', async () => {
    const storage = EmbeddedStorage.inMemory();
    const old = await SemanticMemory.open({ storage, keyWeight: 1, aliasWeight: 1 });
    await old.memorizeMany(TERMS);
    const now = await SemanticMemory.open({ storage });
    expect(await now.reindex(A)).toBe(TERMS.length);
    const fresh = await SemanticMemory.open();
    await fresh.memorizeMany(TERMS);
    const query = 'private data token';
    expect(await now.recall(query, { agentId: A, topK: 7 })).toEqual(await fresh.recall(query, { agentId: A, topK: 7 }));
    await fresh.close();
    await storage.close();
  });
});

describe('close', () => {
  it('makes every later call throw ClosedError, and is idempotent', async () => {
    const m = await SemanticMemory.open();
    await m.close();
    await m.close();
    await expect(m.memorize(TERMS[0]!)).rejects.toThrow(ClosedError);
    await expect(m.recall('x', { agentId: A })).rejects.toThrow(ClosedError);
  });
});

describe('with a path', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srm-glossary-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists entries, and a reopened glossary answers the same', async () => {
    const m = await SemanticMemory.open({ path: dir });
    await m.memorizeMany(TERMS);
    await m.forget('KYC', A);
    const query = 'token for private data in k8s';
    const before = await m.recall(query, { agentId: A, topK: 10, withRelevance: true });
    await m.close();
    const reopened = await SemanticMemory.open({ path: dir });
    expect(await reopened.recall(query, { agentId: A, topK: 10, withRelevance: true })).toEqual(before);
    expect(await reopened.entryCount(A)).toBe(TERMS.length - 1);
    await reopened.close();
  });

  it('opens a glossary that store format 1 wrote, and computes the same terms for its entries (its weights stay valid)', async () => {
    cpSync(FIXTURE_V1, dir, { recursive: true });
    const m = await SemanticMemory.open({ path: dir });
    const agents = [...new Set(FIXTURE_ENTRIES.map((e) => e.agentId))];
    const stored = (await Promise.all(agents.map((a) => m.listAll(a)))).flat();
    expect(stored.map((e) => e.key).sort()).toEqual(FIXTURE_ENTRIES.map((e) => e.key).sort());
    for (const e of stored) expect(m.termsOf(e), e.key).toEqual((await m.store.get([e.id]))[0]!.terms);
    expect((await m.recall('null device', { agentId: 'dev-bot' }))[0]?.key).toBe('/dev/null');
    expect((await m.recall('Which C++ compiler?', { agentId: 'dev-bot' }))[0]?.key).toBe('C++');
    expect((await m.recall('How do we handle private data?', { agentId: 'compliance-bot' }))[0]?.key).toBe('PII');
    await m.close();
  });
});
