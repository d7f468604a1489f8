/** K following the item count when left to the default, and the probe count that goes with it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { resolveConfig } from './config.js';
import { defaultProbes, layerConfig, layerShape, MAX_LAYER_K } from './layer-shape.js';
import { SemanticRoutingMemory } from './memory.js';
import { decodeState, encodeState, STATE_VERSION } from './state.js';

const grown = resolveConfig({ d: 8 });
const fixed = resolveConfig({ d: 8, K: 256 });

describe('layerShape', () => {
  it('keeps an explicit K and trainSize at every size', () => {
    for (const items of [1000, 100_000, 10_000_000]) expect(layerShape(fixed, items)).toEqual({ K: 256, trainSize: fixed.trainSize });
  });

  it('follows the square root of the item count in powers of two, from the default K up', () => {
    expect(grown.growK).toBe(true);
    expect(layerShape(grown, 10_240).K).toBe(256);
    expect(layerShape(grown, 85_000).K).toBe(512);
    expect(layerShape(grown, 340_000).K).toBe(1024);
    expect(layerShape(grown, 1_000_000).K).toBe(2048);
    expect(layerShape(grown, 1e12).K).toBe(MAX_LAYER_K);
  });

  it('never trains more centroids than the sample can determine, nor fewer than the configured K', () => {
    expect(layerShape(grown, 1_000_000, 30_000).K).toBe(512);
    expect(layerShape(grown, 1_000_000, 500).K).toBe(256);
  });

  it('grows the training sample with K, keeping a larger configured one', () => {
    expect(layerShape(grown, 340_000).trainSize).toBe(40 * 1024);
    const big = resolveConfig({ d: 8, trainSize: 200_000 });
    expect(layerShape(big, 340_000)).toEqual({ K: 1024, trainSize: 200_000 });
  });

  it('returns the same config object when nothing changes', () => {
    expect(layerConfig(fixed, 340_000)).toBe(fixed);
    expect(layerConfig(grown, 340_000)).toMatchObject({ K: 1024, m: 24, growK: true });
  });
});

describe('defaultProbes', () => {
  // A large layer, where the candidate target asks for few probes.
  const big = (K: number, growth = 1) => ({ K, routed: 10_000_000, growth });

  it('probes more buckets of a grown layer when K and m were left to the default', () => {
    expect(defaultProbes(grown, big(256))).toBe(24);
    expect(defaultProbes(grown, big(512))).toBe(64);
    expect(defaultProbes(grown, big(4096))).toBe(64);
  });

  it('keeps an explicit m, and the m of a fixed K', () => {
    expect(defaultProbes(resolveConfig({ d: 8, m: 10 }), big(1024))).toBe(10);
    expect(defaultProbes(fixed, big(1024))).toBe(24);
  });

  it('widens the default probes of a small layer to cover 16,384 candidates, up to half of K', () => {
    // 85,120 items in 512 buckets: 99 probes of 166 items.
    expect(defaultProbes(grown, { K: 512, routed: 85_120, growth: 1 })).toBe(99);
    // 49,800 items in 512 buckets: 169 probes; 20,000 in 256 would need 210: half of K.
    expect(defaultProbes(grown, { K: 512, routed: 49_800, growth: 1 })).toBe(169);
    expect(defaultProbes(grown, { K: 256, routed: 20_000, growth: 1 })).toBe(128);
    // 340,479 items in 1,024 buckets: 50 would do, the grown layer's 64 stays.
    expect(defaultProbes(grown, { K: 1024, routed: 340_479, growth: 1 })).toBe(64);
    // An explicit m never widens.
    expect(defaultProbes(resolveConfig({ d: 8, m: 10 }), { K: 512, routed: 1000, growth: 1 })).toBe(10);
  });

  it('widens the default probes of an overdue layer in proportion to its growth, at most four times and a quarter of K', () => {
    expect(defaultProbes(grown, big(256, 1.99))).toBe(24);
    expect(defaultProbes(grown, big(256, 2))).toBe(48);
    expect(defaultProbes(grown, big(256, 2.5))).toBe(60);
    expect(defaultProbes(grown, big(256, 40))).toBe(64);
    expect(defaultProbes(grown, big(512, 10))).toBe(128);
    expect(defaultProbes(grown, big(4096, 3))).toBe(192);
    expect(defaultProbes(grown, big(4096, 10))).toBe(256);
    // The candidate target still reaches half of K on an overdue layer.
    expect(defaultProbes(grown, { K: 256, routed: 20_000, growth: 4 })).toBe(128);
    // Never fewer than unwidened, never past K.
    expect(defaultProbes(resolveConfig({ d: 8, K: 64 }), big(64, 4))).toBe(24);
    expect(defaultProbes(resolveConfig({ d: 8, K: 64, m: 64 }), big(64, 4))).toBe(64);
    expect(defaultProbes(resolveConfig({ d: 8, m: 10 }), big(1024, 3))).toBe(10);
  });
});

describe('persisted state', () => {
  it('reads a state written before K could grow as a fixed K and m', () => {
    // The header of the previous release: the config without the two flags.
    const { growK: _k, growM: _m, ...config } = grown;
    const json = new TextEncoder().encode(
      JSON.stringify({
        config: { ...config, maxCandidates: null },
        fitError: null,
        sizeAtFit: null,
        pendingReroute: false,
        codebookBytes: -1,
        quantizerBytes: 0,
      }),
    );
    const blob = new Uint8Array(16 + json.byteLength);
    const view = new DataView(blob.buffer);
    view.setUint32(0, 0x534d5253, true);
    view.setUint32(4, STATE_VERSION, true);
    view.setUint32(12, json.byteLength, true);
    blob.set(json, 16);
    view.setUint32(8, crc32(blob.subarray(12)), true);
    expect(decodeState(blob, 'test').config).toMatchObject({ K: 256, m: 24, growK: false, growM: false });
    expect(
      decodeState(encodeState({ config: grown, codebook: null, quantizer: new Uint8Array(0), fitError: null, sizeAtFit: null, pendingReroute: false }), 'test')
        .config,
    ).toMatchObject({ growK: true, growM: true });
  });
});

describe('a memory whose K follows its size', () => {
  const d = 8;
  const n = 33_000;
  const rng = new Rng(3);
  const data = Float32Array.from({ length: n * d }, () => rng.next() * 2 - 1);
  const ids = Array.from({ length: n }, (_, i) => String(i));

  it('refits to a larger K and m, keeps them at a reopen, and keeps an explicit K', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srm-layer-shape-'));
    try {
      const memory = await SemanticRoutingMemory.open({ d, path: dir, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
      await memory.add(data.subarray(0, 1000 * d), { ids: ids.slice(0, 1000) });
      await memory.add(data.subarray(1000 * d), { ids: ids.slice(1000) });
      // 33,000 items, 33 times those of its fit: the default probes widen to cover the candidate target.
      expect(memory.stats()).toMatchObject({ K: 256, m: 128 });
      await memory.refit();
      expect(memory.stats()).toMatchObject({ K: 512, m: 255, buckets: { count: 512 } });
      expect((await memory.verify()).problems).toEqual([]);
      const before = await memory.query(data.subarray(0, d), { k: 5 });
      await memory.close();
      const reopened = await SemanticRoutingMemory.open({ path: dir });
      expect(reopened.stats()).toMatchObject({ K: 512, m: 255 });
      expect(await reopened.query(data.subarray(0, d), { k: 5 })).toEqual(before);
      await reopened.close();

      const explicit = new SemanticRoutingMemory({ d, K: 256, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
      await explicit.add(data, { ids });
      await explicit.refit();
      // K stays; the default m covers the candidate target.
      expect(explicit.stats()).toMatchObject({ K: 256, m: 128 });
      await explicit.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
