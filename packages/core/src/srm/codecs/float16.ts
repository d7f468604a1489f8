/** The `float16` rerank codec: every vector in RAM at half precision, scored directly from it. */
import { halfTable, toHalf } from '../../util/float16.js';
import { halves, NO_PARAMS, RowMajorCodec, type QueryScorer, type VectorCodec } from './codec.js';

export class Float16Codec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'float16' as const;
  readonly residual = false;
  readonly exact = true;
  readonly scores = true;
  readonly needsTraining = false;
  readonly trained = true;
  readonly rowBytes: number;
  private readonly table = halfTable();
  constructor(private readonly d: number) {
    super();
    this.rowBytes = 2 * d;
  }
  /** The decode table is shared by every float16 memory in the process; it is counted here anyway. */
  get tableBytes(): number {
    return this.table.byteLength;
  }
  async train(): Promise<void> {}
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    const data = halves(rows);
    const base = index * this.d;
    for (let j = 0; j < this.d; j++) data[base + j] = toHalf(v[off + j]!);
  }
  scorer(q: Float32Array): QueryScorer {
    const { d, table } = this;
    const stride = this.rowBytes >> 1;
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number): void {
        const data = halves(rows);
        for (let i = 0; i < count; i++) {
          const base = i * stride;
          let s = 0;
          for (let j = 0; j < d; j++) s += q[j]! * table[data[base + j]!]!;
          out[outOff + i] = s;
        }
      },
    };
  }
  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    const data = halves(rows);
    const base = row * (this.rowBytes >> 1);
    for (let j = 0; j < this.d; j++) out[j] = this.table[data[base + j]!]!;
  }
  paramsToBytes(): Uint8Array {
    return NO_PARAMS;
  }
  paramsFromBytes(): void {}
}
