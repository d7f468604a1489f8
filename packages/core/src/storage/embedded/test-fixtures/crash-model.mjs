// The write stream of the crash-safety test, shared by the child (crash-writer.mjs) and the test.
// Batch b: inserts ITEMS new records (ids b-0..b-<ITEMS-1>, slots b*ITEMS+i), rewrites record
// (b-1)-0 in place with a payload naming b, and deletes every record of batch b-3.

export const CRASH_SPEC = { name: 'crash', dim: 16, metric: 'cosine' };
export const ITEMS = 25;

function vector(b, i, rev) {
  const v = new Float32Array(CRASH_SPEC.dim);
  for (let j = 0; j < v.length; j++) v[j] = Math.sin(b * 31 + i * 7 + j + rev * 0.5);
  return v;
}

export function batchOf(b) {
  const upserts = [];
  for (let i = 0; i < ITEMS; i++) {
    upserts.push({ id: `${b}-${i}`, slot: b * ITEMS + i, bucket: (b + i) % 13, vector: vector(b, i, 0), payload: { b, i, rev: 0 } });
  }
  if (b >= 1) upserts.push({ id: `${b - 1}-0`, slot: (b - 1) * ITEMS, bucket: 99, vector: vector(b - 1, 0, b), payload: { b: b - 1, i: 0, rev: b } });
  const deleteIds = [];
  if (b >= 3) for (let i = 0; i < ITEMS; i++) deleteIds.push(`${b - 3}-${i}`);
  return { upserts, deleteIds };
}

/** The expected store after batches 0..last (inclusive), as a Map id -> record; empty for last < 0. */
export function modelAfter(last) {
  const m = new Map();
  for (let b = 0; b <= last; b++) {
    const { upserts, deleteIds } = batchOf(b);
    for (const id of deleteIds) m.delete(id);
    for (const r of upserts) m.set(r.id, r);
  }
  return m;
}
