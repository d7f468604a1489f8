/**
 * Term ids of the sparse BM25 vectors. A token becomes the absolute value of
 * its signed 32-bit MurmurHash3 (x86_32, seed 0) over UTF-8, which is how
 * fastembed's `Bm25` and Qdrant's examples number sparse dimensions. A fixed
 * hash, rather than a vocabulary, lets every client (and both backends) agree
 * on term ids without sharing state. Collisions are possible but rare
 * (about one pair among 60k distinct tokens).
 */

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

function mul32(a: number, b: number): number {
  return Math.imul(a, b);
}

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3 x86_32 of `bytes[0..len)` with `seed`, as an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, len: number = bytes.length, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = mul32(k, c1);
    k = rotl32(k, 15);
    k = mul32(k, c2);
    h ^= k;
    h = rotl32(h, 13);
    h = (mul32(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = mul32(k, c1);
      k = rotl32(k, 15);
      k = mul32(k, c2);
      h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = mul32(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul32(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Sparse-vector dimension of a token: `abs(int32(murmur3(utf8(token))))`, in
 * `[0, 2^31]`. Matches fastembed's `Bm25` token ids for the same token string.
 */
export function termId(token: string): number {
  // Worst case 3 bytes per UTF-16 code unit.
  if (scratch.length < token.length * 3) scratch = new Uint8Array(token.length * 3 + 16);
  const { written } = encoder.encodeInto(token, scratch);
  const signed = murmur3(scratch, written) | 0;
  return Math.abs(signed);
}
