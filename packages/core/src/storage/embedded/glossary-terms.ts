/**
 * The terms blob of an embedded glossary entry: the BM25 sparse vector the index is rebuilt from.
 */
import { CorruptDataError } from '../../errors.js';
import type { PackedSparse } from '../../sparse/sparse-index.js';

/** `u32 n | n × u32 term id | n × f32 weight`, little-endian. */
export function encodeTerms(t: PackedSparse): Buffer {
  const n = t.indices.length;
  const buf = Buffer.alloc(4 + 8 * n);
  buf.writeUInt32LE(n, 0);
  for (let i = 0; i < n; i++) {
    buf.writeUInt32LE(t.indices[i]!, 4 + 4 * i);
    buf.writeFloatLE(t.values[i]!, 4 + 4 * n + 4 * i);
  }
  return buf;
}

/** Inverse of {@link encodeTerms}. @throws CorruptDataError naming the file and the entry. */
export function decodeTerms(buf: Buffer, location: string, id: string): PackedSparse {
  if (!Buffer.isBuffer(buf) || buf.length < 4) throw new CorruptDataError(location, `glossary entry ${id}: terms blob is truncated`);
  const n = buf.readUInt32LE(0);
  if (buf.length !== 4 + 8 * n)
    throw new CorruptDataError(location, `glossary entry ${id}: terms blob has ${buf.length} bytes, expected ${4 + 8 * n} for ${n} terms`);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = buf.readUInt32LE(4 + 4 * i);
    values[i] = buf.readFloatLE(4 + 4 * n + 4 * i);
    if (i > 0 && indices[i]! <= indices[i - 1]!) throw new CorruptDataError(location, `glossary entry ${id}: term ids are not strictly ascending`);
    if (!Number.isFinite(values[i]!)) throw new CorruptDataError(location, `glossary entry ${id}: weight ${i} is not finite`);
  }
  return { indices, values };
}
