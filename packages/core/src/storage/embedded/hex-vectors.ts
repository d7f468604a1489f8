/**
 * The rerank's vector read of an in-memory embedded SRM store: the vectors of a chunk of slots
 * come back from SQLite as one hex text (`hex` of the `group_concat` of their blobs), decoded into
 * a reused buffer and copied into place; text rather than a blob because a blob arrives as a
 * malloc'd Buffer that lives until the next garbage collection (docs/limits.md, "A serving
 * process"). Unchecked against the per-record checksums: an in-memory database has no file that
 * can be damaged. A directory store reads its vector file instead (vector-file.ts).
 */
import type Database from 'better-sqlite3';
import { CorruptDataError } from '../../errors.js';

type Statement = Database.Statement<unknown[], unknown>;

/** Most slots of one `IN (...)` read; longer inputs are split into chunks of this size. */
export const IN_CHUNK = 256;
/** Smallest `IN (...)` arity prepared; shorter lists are padded with NULL (which matches nothing). */
export const IN_MIN = 8;
/** Character codes in a `group_concat(slot)` list ("12,5,900"), parsed without splitting it. */
const COMMA = 0x2c;
const DIGIT_0 = 0x30;

/** Reads vectors by slot as hex text, with reused scratch (reads run one at a time: SQLite calls are synchronous). */
export class HexVectorReader {
  /** Parameter arrays by arity, and sorted slot keys. */
  private readonly inParamsByArity = new Map<number, (number | null)[]>();
  private readonly slotKeys = new Float64Array(IN_CHUNK);
  private decoded = Buffer.alloc(0);

  /**
   * @param stmt - the store's statement cache.
   * @param checkRows - reads the rows of these slots with their checksums checked, throwing on damage.
   */
  constructor(
    private readonly stmt: (key: string, sql: () => string) => Statement,
    private readonly table: string,
    private readonly location: string,
    private readonly name: string,
    private readonly dim: number,
    private readonly checkRows: (slots: number[]) => void,
  ) {}

  /** Writes the vector of `slots[i]` into row i of `out`; returns 1 where the slot holds an item. */
  read(slots: Uint32Array, out: Float32Array): Uint8Array {
    const dim = this.dim;
    const found = new Uint8Array(slots.length);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const rowBytes = dim * 4;
    for (let start = 0; start < slots.length; start += IN_CHUNK) {
      const n = Math.min(IN_CHUNK, slots.length - start);
      let arity = IN_MIN;
      while (arity < n) arity *= 2;
      const params = this.inParams(arity);
      // Every position of each slot, as `slot * IN_CHUNK + position` sorted: a returned row
      // finds its positions by binary search, with no object per row.
      const keys = this.slotKeys;
      for (let i = 0; i < n; i++) {
        params[i] = slots[start + i]!;
        keys[i] = slots[start + i]! * IN_CHUNK + i;
      }
      params.fill(null, n);
      const sorted = keys.subarray(0, n).sort();
      const [list, hex] = this.stmt(`vectors:${arity}`, () => {
        const marks = new Array<string>(arity).fill('?').join(', ');
        return `SELECT group_concat(slot), hex(group_concat(vector, '')) FROM ${this.table} WHERE slot IN (${marks})`;
      })
        .raw(true)
        .get(...params) as [string | null, string | null];
      if (list === null || hex === null) continue;
      const rows = countListed(list);
      if (hex.length !== rows * rowBytes * 2) {
        // A vector blob of the wrong size: the row-by-row read names it.
        this.checkRows(list.split(',').map(Number));
        throw new CorruptDataError(this.location, `vectors of store "${this.name}" do not add up to ${rows} x ${dim} floats`);
      }
      const blob = this.vectorBytes(rows * rowBytes);
      blob.write(hex, 0, 'hex');
      let k = 0;
      let slot = 0;
      for (let c = 0; c <= list.length; c++) {
        const code = c < list.length ? list.charCodeAt(c) : COMMA;
        if (code !== COMMA) {
          slot = slot * 10 + (code - DIGIT_0);
          continue;
        }
        for (let j = lowerBound(sorted, slot * IN_CHUNK); j < n && Math.floor(sorted[j]! / IN_CHUNK) === slot; j++) {
          const row = start + (sorted[j]! % IN_CHUNK);
          blob.copy(bytes, row * rowBytes, k * rowBytes, (k + 1) * rowBytes);
          found[row] = 1;
        }
        k++;
        slot = 0;
      }
    }
    return found;
  }

  /**
   * The reused buffer that a chunk's hex text decodes into, at least `bytes` long. It lives as
   * long as the store: at most 256 vectors, 100 KiB at d = 100 and 768 KiB at d = 768.
   */
  private vectorBytes(bytes: number): Buffer {
    if (this.decoded.byteLength < bytes) this.decoded = Buffer.allocUnsafeSlow(bytes);
    return this.decoded;
  }

  /** The reused parameter array of the `IN (...)` statement of `arity` (reads run one at a time: SQLite calls are synchronous). */
  private inParams(arity: number): (number | null)[] {
    let params = this.inParamsByArity.get(arity);
    if (params === undefined) this.inParamsByArity.set(arity, (params = new Array<number | null>(arity).fill(null)));
    return params;
  }
}

/** How many slots a non-empty `group_concat(slot)` list names. */
function countListed(list: string): number {
  let count = 1;
  for (let c = 0; c < list.length; c++) if (list.charCodeAt(c) === COMMA) count++;
  return count;
}

/** First index of ascending `keys` whose value is at least `key`. */
function lowerBound(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
