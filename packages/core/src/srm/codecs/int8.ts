/** The `int8` rerank codec: per-dimension affine scalar quantisation to 8 bits. */
import { CorruptDataError } from '../../errors.js';
import { RowMajorCodec, tableBuffer, type QueryScorer, type TableScratch, type VectorCodec } from './codec.js';

export class Int8Codec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'int8' as const;
  readonly residual = false;
  readonly exact = false;
  readonly scores = true;
  readonly needsTraining = true;
  trained = false;
  readonly rowBytes: number;
  private min: Float32Array;
  private scale: Float32Array;
  constructor(private readonly d: number) {
    super();
    this.rowBytes = d;
    this.min = new Float32Array(d);
    this.scale = new Float32Array(d).fill(1);
  }
  /** The parameters, plus a query's scaled copy of itself. */
  get tableBytes(): number {
    return this.min.byteLength + this.scale.byteLength + 4 * this.d;
  }
  async train(sample: Float32Array, n: number): Promise<void> {
    const { d } = this;
    const lo = new Float32Array(d).fill(Infinity);
    const hi = new Float32Array(d).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const x = sample[i * d + j]!;
        if (x < lo[j]!) lo[j] = x;
        if (x > hi[j]!) hi[j] = x;
      }
    }
    for (let j = 0; j < d; j++) {
      // A 5% margin on each side, so later items slightly outside the sample's range still fit.
      const span = hi[j]! - lo[j]! || 1e-6;
      this.min[j] = lo[j]! - 0.05 * span;
      this.scale[j] = (1.1 * span) / 255;
    }
    this.trained = true;
  }
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    const at = index * this.rowBytes;
    for (let j = 0; j < this.d; j++) {
      const c = Math.round((v[off + j]! - this.min[j]!) / this.scale[j]!);
      rows[at + j] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
  }
  /** `q . x = q . min + sum_j (q_j * scale_j) * code_j`: the query is scaled once, the rest is a bias. */
  scorer(q: Float32Array, scratch?: TableScratch): QueryScorer {
    const { d, rowBytes } = this;
    const qs = tableBuffer(scratch, 'int8:qs', Float32Array, d);
    let bias = 0;
    for (let j = 0; j < d; j++) {
      qs[j] = q[j]! * this.scale[j]!;
      bias += q[j]! * this.min[j]!;
    }
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number): void {
        for (let i = 0; i < count; i++) {
          const base = i * rowBytes;
          let s = 0;
          for (let j = 0; j < d; j++) s += qs[j]! * rows[base + j]!;
          out[outOff + i] = bias + s;
        }
      },
    };
  }
  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    const base = row * this.rowBytes;
    for (let j = 0; j < this.d; j++) out[j] = this.min[j]! + this.scale[j]! * rows[base + j]!;
  }
  paramsToBytes(): Uint8Array {
    const out = new Float32Array(2 * this.d);
    out.set(this.min, 0);
    out.set(this.scale, this.d);
    return new Uint8Array(out.buffer);
  }
  paramsFromBytes(bytes: Uint8Array, where: string): void {
    if (bytes.byteLength !== 8 * this.d) throw new CorruptDataError(where, `int8 quantizer has ${bytes.byteLength} bytes, expected ${8 * this.d}`);
    const f = new Float32Array(bytes.slice().buffer);
    this.min = f.slice(0, this.d);
    this.scale = f.slice(this.d);
    this.trained = true;
  }
}
