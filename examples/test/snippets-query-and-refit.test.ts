/** docs/concepts.md, probes, drift, refit and persistence: runs examples/src/snippets/query-and-refit.ts against the built packages. */
import { describe, expect, it } from 'vitest';
import { built, snippet } from './run-snippet.js';

describe.skipIf(!built)('doc snippets', () => {
  it('query-and-refit.ts filters, refits in the background while answering, and reopens the same', async () => {
    const out = await snippet('query-and-refit.ts');
    expect(out).toMatch(/^m=8: +guitar /m);
    for (const hit of /^rank>=3000 (.*)$/m.exec(out)![1]!.split(' ')) expect(Number(/\((\d+)\)/.exec(hit)![1])).toBeGreaterThanOrEqual(3000);
    expect(out).toMatch(/^refitting in the background: true$/m);
    expect(out).toMatch(/^during refit: guitar /m);
    expect(out).toMatch(/^refit phases: refit:kmeans, refit:quantizer, refit:route$/m);
    expect(out).toMatch(/^same after reopen: true$/m);
    expect(out).toMatch(/^verify: true$/m);
    expect(out).toMatch(/^opened from: checkpoint$/m);
    expect(out).toMatch(/^adaptive verify: true$/m);
  });
});
