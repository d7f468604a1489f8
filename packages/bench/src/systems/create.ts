/** Builds a {@link DenseSystem} from its serializable spec (inside the child process). */
import { BruteForceSystem } from './brute.js';
import type { DenseSystem, SystemSpec } from './types.js';

export async function createSystem(spec: SystemSpec): Promise<DenseSystem> {
  // Imported lazily so a child loads only the native library it measures.
  switch (spec.kind) {
    case 'brute':
      return new BruteForceSystem();
    case 'srm':
      return new (await import('./srm.js')).SrmSystem(spec);
    case 'hnswlib':
      return new (await import('./hnswlib.js')).HnswlibSystem(spec);
    case 'usearch':
      return new (await import('./usearch.js')).UsearchSystem(spec);
    case 'lancedb':
      return new (await import('./lancedb.js')).LanceSystem(spec);
  }
}
