/**
 * Every documented limit (packages/core/src/limits.ts, docs/limits.md) is
 * enforced at the public API with a typed error that names it, at exactly the
 * documented value, and a refused call changes nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidConfigError, LimitExceededError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { Limits } from '../../src/limits.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function srm(d = 2): SemanticRoutingMemory {
  const m = new SemanticRoutingMemory({ d, K: 1, autoFitAt: 0 });
  open.push(m);
  return m;
}

async function glossary(): Promise<SemanticMemory> {
  const g = await SemanticMemory.open();
  open.push(g);
  return g;
}

describe('SemanticRoutingMemory limits', () => {
  it(`maximum dimension: d = ${Limits.maxDimension} works, one more is refused naming "d"`, async () => {
    const m = srm(Limits.maxDimension);
    const v = new Float32Array(Limits.maxDimension).fill(0.5);
    await m.add([v], { ids: ['wide'] });
    expect((await m.query(v, { k: 1 }))[0]!.id).toBe('wide');
    expect(() => new SemanticRoutingMemory({ d: Limits.maxDimension + 1 })).toThrow(InvalidConfigError);
    expect(() => new SemanticRoutingMemory({ d: Limits.maxDimension + 1 })).toThrow(/"d".*8192/);
    await expect(SemanticRoutingMemory.open({ d: Limits.maxDimension + 1 })).rejects.toThrow(InvalidConfigError);
  });

  it(`batch size: ${Limits.maxBatchSize} vectors in one add work, one more is refused (arrays and flat Float32Arrays)`, async () => {
    const m = srm(1);
    const ids = Array.from({ length: Limits.maxBatchSize + 1 }, (_, i) => `i${i}`);
    const rows = ids.map((_, i) => [i + 1]);
    await expect(m.add(rows)).rejects.toThrow(LimitExceededError);
    await expect(m.add(rows)).rejects.toThrow(/batch size is 100001, the maximum is 100000/);
    await expect(m.add(new Float32Array(Limits.maxBatchSize + 1).fill(1))).rejects.toThrow(LimitExceededError);
    await expect(m.get(ids)).rejects.toThrow(LimitExceededError);
    await expect(m.delete(ids)).rejects.toThrow(LimitExceededError);
    expect(m.size).toBe(0);
    await m.add(rows.slice(1), { ids: ids.slice(1) });
    expect(m.size).toBe(Limits.maxBatchSize);
  });

  it(`id length: ${Limits.maxIdLength} UTF-16 code units work, one more is refused`, async () => {
    const m = srm();
    await m.add([[1, 0]], { ids: ['x'.repeat(Limits.maxIdLength)] });
    await expect(m.add([[1, 0]], { ids: ['x'.repeat(Limits.maxIdLength + 1)] })).rejects.toThrow(LimitExceededError);
    await expect(m.has('x'.repeat(Limits.maxIdLength + 1))).rejects.toThrow(LimitExceededError);
    expect(m.size).toBe(1);
  });

  it(`payload size: a payload whose JSON is ${Limits.maxPayloadBytes} bytes works, one byte more is refused`, async () => {
    const m = srm();
    const overhead = JSON.stringify({ t: '' }).length;
    await m.add([[1, 0]], { ids: ['max'], payloads: [{ t: 'a'.repeat(Limits.maxPayloadBytes - overhead) }] });
    await expect(m.add([[1, 0]], { ids: ['over'], payloads: [{ t: 'a'.repeat(Limits.maxPayloadBytes - overhead + 1) }] })).rejects.toThrow(LimitExceededError);
    expect(m.size).toBe(1);
  });

  it('payload size is counted in bytes, as documented: 400k three-byte characters (1.2 MB of UTF-8) are refused', async () => {
    const m = srm();
    const payload = { t: '\u20AC'.repeat(400_000) };
    expect(Buffer.byteLength(JSON.stringify(payload), 'utf8')).toBeGreaterThan(Limits.maxPayloadBytes);
    await expect(m.add([[1, 0]], { ids: ['euro'], payloads: [payload] })).rejects.toThrow(LimitExceededError);
    expect(m.size).toBe(0);
  });

  it(`results per query: k = ${Limits.maxK} works, one more is refused (k, maxCandidates, refine, topK)`, async () => {
    const m = srm();
    await m.add([[1, 0]], { ids: ['only'] });
    expect(await m.query([1, 0], { k: Limits.maxK })).toHaveLength(1);
    await expect(m.query([1, 0], { k: Limits.maxK + 1 })).rejects.toThrow(LimitExceededError);
    await expect(m.query([1, 0], { maxCandidates: Limits.maxK + 1 })).rejects.toThrow(LimitExceededError);
    expect(() => new SemanticRoutingMemory({ d: 2, topK: Limits.maxK + 1 })).toThrow(InvalidConfigError);
  });

  it('items per memory: the add that would pass the limit is refused whole (limit lowered to 10 for the test)', async () => {
    // 250 million items cannot be added in a unit test; the same check runs against a lowered constant.
    vi.resetModules();
    vi.doMock('../../src/limits.js', async (importOriginal) => {
      const actual = await importOriginal<typeof import('../../src/limits.js')>();
      return { Limits: { ...actual.Limits, maxItems: 10 } };
    });
    try {
      const { SemanticRoutingMemory: Memory } = await import('../../src/srm/memory.js');
      const { LimitExceededError: LimitError } = await import('../../src/errors.js');
      const m = new Memory({ d: 2, K: 1, autoFitAt: 0, trainSize: 1 });
      open.push(m);
      const ids = Array.from({ length: 8 }, (_, i) => `i${i}`);
      await m.add(
        ids.map((_, i) => [1, i]),
        { ids },
      );
      await expect(
        m.add(
          [
            [1, 8],
            [1, 9],
            [1, 10],
          ],
          { ids: ['a', 'b', 'c'] },
        ),
      ).rejects.toThrow(LimitError);
      await expect(
        m.add(
          [
            [1, 8],
            [1, 9],
            [1, 10],
          ],
          { ids: ['a', 'b', 'c'] },
        ),
      ).rejects.toThrow(/items per memory is 11, the maximum is 10/);
      expect(m.size).toBe(8);
      // Replacing existing ids adds nothing, so it is allowed at the limit.
      await m.add(
        [
          [1, 8],
          [1, 9],
        ],
        { ids: ['a', 'b'] },
      );
      await m.add(
        [
          [0, 1],
          [0, 2],
        ],
        { ids: ['a', 'i0'] },
      );
      expect(m.size).toBe(10);
    } finally {
      vi.doUnmock('../../src/limits.js');
      vi.resetModules();
    }
  });
});

describe('SemanticMemory limits', () => {
  const entry = (over: Record<string, unknown>) => ({ agentId: 'a', key: 'k', value: 'v', ...over });

  it.each([
    ['key', Limits.maxKeyLength, (s: string) => entry({ key: s })],
    ['alias', Limits.maxKeyLength, (s: string) => entry({ aliases: [s] })],
    ['category', Limits.maxKeyLength, (s: string) => entry({ category: s })],
    ['agentId', Limits.maxAgentIdLength, (s: string) => entry({ agentId: s })],
    ['value', Limits.maxTextLength, (s: string) => entry({ value: s })],
    ['description', Limits.maxTextLength, (s: string) => entry({ description: s })],
  ] as const)('%s length: %i code units work, one more is refused', async (field, max, make) => {
    const g = await glossary();
    await g.memorize(make('q'.repeat(max)));
    await expect(g.memorize(make('r'.repeat(max + 1)))).rejects.toThrow(LimitExceededError);
    await expect(g.memorize(make('r'.repeat(max + 1)))).rejects.toThrow(
      new RegExp(`${field === 'agentId' ? 'agentId' : field}.*length is ${max + 1}, the maximum is ${max}`),
    );
    const agent = field === 'agentId' ? 'q'.repeat(max) : 'a';
    expect(await g.entryCount(agent)).toBe(1);
  });

  it(`aliases per entry: ${Limits.maxAliases} work, one more is refused`, async () => {
    const g = await glossary();
    await g.memorize(entry({ aliases: Array.from({ length: Limits.maxAliases }, (_, i) => `a${i}`) }));
    await expect(g.memorize(entry({ key: 'k2', aliases: Array.from({ length: Limits.maxAliases + 1 }, (_, i) => `a${i}`) }))).rejects.toThrow(
      LimitExceededError,
    );
    expect(await g.entryCount('a')).toBe(1);
  });

  it(`query length: ${Limits.maxQueryLength} code units work, one more is refused`, async () => {
    const g = await glossary();
    await g.memorize(entry({}));
    expect(await g.recall('k '.repeat(Limits.maxQueryLength / 2), { agentId: 'a' })).toHaveLength(1);
    await expect(g.recall('k'.repeat(Limits.maxQueryLength + 1), { agentId: 'a' })).rejects.toThrow(LimitExceededError);
  });

  it(`topK: ${Limits.maxK} works, one more is refused`, async () => {
    const g = await glossary();
    await g.memorize(entry({}));
    expect(await g.recall('k', { agentId: 'a', topK: Limits.maxK })).toHaveLength(1);
    await expect(g.recall('k', { agentId: 'a', topK: Limits.maxK + 1 })).rejects.toThrow(LimitExceededError);
  });

  it(`batch size: memorizeMany / forgetMany of ${Limits.maxBatchSize + 1} are refused whole`, async () => {
    const g = await glossary();
    const entries = Array.from({ length: Limits.maxBatchSize + 1 }, (_, i) => entry({ key: `k${i}` }));
    await expect(g.memorizeMany(entries)).rejects.toThrow(LimitExceededError);
    await expect(
      g.forgetMany(
        entries.map((e) => e.key as string),
        'a',
      ),
    ).rejects.toThrow(LimitExceededError);
    expect(await g.entryCount('a')).toBe(0);
  });
});
