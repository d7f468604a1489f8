/** The `float32` rerank codec: every vector in RAM as is, scored exactly. */
import { createDot } from '../dot-kernel.js';
import { floats, NO_PARAMS, RowMajorCodec, type QueryScorer, type VectorCodec } from './codec.js';

export class Float32Codec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'float32' as const;
  readonly residual = false;
  readonly exact = true;
  readonly scores = true;
  readonly needsTraining = false;
  readonly trained = true;
  readonly rowBytes: number;
  /** Scores a query against a bucket's rows (SIMD, the scores of `dot` bit for bit): a flat list before the fit is a long scan. */
  private readonly kernel = createDot();
  constructor(private readonly d: number) {
    super();
    this.rowBytes = 4 * d;
  }
  get tableBytes(): number {
    return this.kernel.scratchBytes;
  }
  async train(): Promise<void> {}
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    floats(rows).set(v.subarray(off, off + this.d), index * this.d);
  }
  scorer(q: Float32Array): QueryScorer {
    const { d, kernel } = this;
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number): void {
        kernel.scores(q, d, floats(rows), 0, count, out, outOff);
      },
    };
  }
  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    out.set(floats(rows).subarray(row * this.d, (row + 1) * this.d));
  }
  paramsToBytes(): Uint8Array {
    return NO_PARAMS;
  }
  paramsFromBytes(): void {}
}
