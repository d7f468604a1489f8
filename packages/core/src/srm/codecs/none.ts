/** The `none` rerank mode: nothing in RAM but the routing layer; every candidate is re-scored from the store. */
import { NO_PARAMS, RowMajorCodec, type QueryScorer, type VectorCodec } from './codec.js';

/** Every candidate scores 0: the order among them is left to the exact re-score. */
const NO_SCORES: QueryScorer = {
  scoreRows(_rows: Uint8Array, count: number, out: Float32Array, outOff: number): void {
    out.fill(0, outOff, outOff + count);
  },
};

export class NoCodec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'none' as const;
  readonly residual = false;
  readonly exact = false;
  readonly scores = false;
  readonly needsTraining = false;
  readonly trained = true;
  readonly rowBytes = 0;
  readonly tableBytes = 0;
  async train(): Promise<void> {}
  encode(): void {}
  scorer(): QueryScorer {
    return NO_SCORES;
  }
  decode(): void {
    throw new Error('rerank mode "none" keeps no vectors in RAM');
  }
  paramsToBytes(): Uint8Array {
    return NO_PARAMS;
  }
  paramsFromBytes(): void {}
}
