/** docs/concepts.md, rerank modes: runs examples/src/snippets/rerank-modes.ts against the built packages. */
import { describe, expect, it } from 'vitest';
import { built, snippet } from './run-snippet.js';

describe.skipIf(!built)('doc snippets', () => {
  it('rerank-modes.ts prints every mode, smallest RAM last, with recall against exact search', async () => {
    const out = await snippet('rerank-modes.ts');
    const rows = out
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/));
    expect(rows.map((r) => r[0])).toEqual(['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none']);
    const perItem = rows.map((r) => Number(r[2]));
    for (let i = 1; i < perItem.length; i++) expect(perItem[i]).toBeLessThan(perItem[i - 1]!);
    expect(perItem[6]).toBe(0);
    for (const r of rows) expect(Number(r[3])).toBeGreaterThan(0.85);
  });
});
