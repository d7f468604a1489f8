/** The `float32` rerank codec: every vector in RAM as is, scored exactly. */
import { dot } from '../../util/vector-math.js';
import { floats, NO_PARAMS, RowMajorCodec, type QueryScorer, type VectorCodec } from './codec.js';

export class Float32Codec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'float32' as const;
  readonly residual = false;
  readonly exact = true;
  readonly scores = true;
  readonly needsTraining = false;
  readonly trained = true;
  readonly tableBytes = 0;
  readonly rowBytes: number;
  constructor(private readonly d: number) {
    super();
    this.rowBytes = 4 * d;
  }
  async train(): Promise<void> {}
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    floats(rows).set(v.subarray(off, off + this.d), index * this.d);
  }
  scorer(q: Float32Array): QueryScorer {
    const { d } = this;
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number): void {
        const data = floats(rows);
        for (let i = 0; i < count; i++) out[outOff + i] = dot(q, 0, data, i * d, d);
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
