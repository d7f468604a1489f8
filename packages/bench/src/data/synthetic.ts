/**
 * Synthetic vectors for the memory wall (1k to 1M x 768): a seeded mixture
 * of Gaussian clusters, generated chunk by chunk so 3 GB never sit in RAM at
 * once. Memory footprints barely depend on the distribution; recall would,
 * which is why no recall is quoted on this data.
 */
import { Rng } from '@srm/core/datasets';
import { normalizeRows } from '../vectors.js';

/** Shape of the synthetic mixture. */
export interface SyntheticSpec {
  d: number;
  clusters: number;
  /** Standard deviation of the per-item noise, relative to a unit centre. */
  spread: number;
  seed: number;
}

/** The memory wall's mixture: 768-d, 1,000 clusters. */
export const WALL_DATA: SyntheticSpec = { d: 768, clusters: 1000, spread: 0.5, seed: 31337 };

/** Unit-length cluster centres of `spec`. */
export function syntheticCentres(spec: SyntheticSpec): Float32Array {
  const rng = new Rng(spec.seed);
  const c = new Float32Array(spec.clusters * spec.d);
  for (let i = 0; i < c.length; i++) c[i] = rng.normal();
  return normalizeRows(c, spec.d);
}

/**
 * Items `start .. start+count-1` of the stream, unit length. Each chunk has
 * its own seed derived from `start`, so the stream is the same whatever the
 * chunking, as long as chunks start at the same offsets.
 */
export function syntheticChunk(
  spec: SyntheticSpec,
  centres: Float32Array,
  start: number,
  count: number,
  /** Where to write (`count * d` floats); a new array when omitted. Writing in place leaves no garbage to skew RSS. */
  out: Float32Array = new Float32Array(count * spec.d),
): Float32Array {
  const { d, clusters, spread } = spec;
  if (out.length !== count * d) throw new RangeError(`out has ${out.length} floats, expected ${count} x ${d}`);
  const rng = new Rng((spec.seed * 2654435761 + start) >>> 0);
  const sigma = spread / Math.sqrt(d);
  for (let i = 0; i < count; i++) {
    const c = rng.int(clusters) * d;
    for (let j = 0; j < d; j++) out[i * d + j] = centres[c + j]! + sigma * rng.normal();
  }
  return normalizeRows(out, d);
}
