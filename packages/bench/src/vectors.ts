/** Float32Array row-matrix helpers shared by the loaders, ground truth and brute force. */

/** Scales every row of an `n x d` row-major matrix to unit length, in place. Zero rows stay zero. */
export function normalizeRows(matrix: Float32Array, d: number): Float32Array {
  const n = matrix.length / d;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += matrix[base + j]! * matrix[base + j]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) matrix[base + j] = matrix[base + j]! * inv;
  }
  return matrix;
}

/** Copies the given rows of `matrix` into a new row-major matrix, in the given order. */
export function gatherRows(matrix: Float32Array, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(matrix.subarray(rows[i]! * d, rows[i]! * d + d), i * d);
  return out;
}

/** Dot product of row `i` of `a` and row `j` of `b` (both `d` wide). */
export function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  const ia = i * d;
  const jb = j * d;
  let s = 0;
  for (let t = 0; t < d; t++) s += a[ia + t]! * b[jb + t]!;
  return s;
}

/** The rows of a row-major matrix as separate copies (one query vector each). */
export function splitRows(matrix: Float32Array, d: number): Float32Array[] {
  return Array.from({ length: matrix.length / d }, (_, q) => matrix.slice(q * d, q * d + d));
}
