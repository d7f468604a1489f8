import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from './cpu-profile.js';

const frame = (functionName: string, line = 0) => ({ functionName, url: `file:///x/src/${functionName || 'anon'}.js`, lineNumber: line });

// root -> query -> scan, and root -> query -> refine -> query (recursion)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2] },
    { id: 2, callFrame: frame('query', 9), children: [3, 4] },
    { id: 3, callFrame: frame('scan') },
    { id: 4, callFrame: frame('refine'), children: [5] },
    { id: 5, callFrame: frame('query', 9) },
  ],
  samples: [3, 3, 4, 5, 2],
  timeDeltas: [0, 1000, 1000, 2000, 4000],
};

describe('summarizeProfile', () => {
  it('gives each sample the time until the next one, as self time of the top frame', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(8);
    expect(s.self.map((f) => [f.name, f.ms])).toEqual([
      ['query query.js:10', 4],
      ['refine refine.js:1', 2],
      ['scan scan.js:1', 2],
    ]);
    expect(s.self[0]!.share).toBe(0.5);
  });

  it('counts a function once per sample in inclusive time, even when it recurses', () => {
    const s = summarizeProfile(profile);
    const inclusive = Object.fromEntries(s.inclusive.map((f) => [f.name, f.ms]));
    expect(inclusive['query query.js:10']).toBe(8);
    expect(inclusive['refine refine.js:1']).toBe(6);
    expect(inclusive['(root)']).toBe(8);
  });

  it('rejects a profile whose samples and time deltas disagree, or that names a missing node', () => {
    expect(() => summarizeProfile({ ...profile, timeDeltas: [0] })).toThrow(RangeError);
    expect(() => summarizeProfile({ ...profile, samples: [3, 3, 9, 5, 2] })).toThrow(RangeError);
  });
});
