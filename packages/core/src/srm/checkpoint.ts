/**
 * The routing checkpoint: the in-RAM bucket lists (slots and rerank rows) as
 * they are, so that reopening a memory reads its hot bytes instead of
 * scanning and re-encoding every stored vector.
 *
 * The checkpoint is a cache of what a scan would rebuild: the store keeps it
 * fresh (any write makes it stale), and this module refuses anything that
 * does not match the current state. A refused checkpoint costs one scan,
 * never a wrong answer. Lists unchanged since the stored checkpoint are not
 * written again: a close after a few writes rewrites a few lists.
 *
 * Header (little-endian): "SRMR" | u32 version | u32 crc32(state blob) | u32 lists |
 * u32 items | lists × (u32 items in the list, u32 crc32(slots bytes ++ rows bytes)) |
 * u32 unrouted slots | u32 crc32(their bytes). The slots of the items stored without a vector
 * (in no list) are stored after the bucket lists, as one more list without rows. Version 1, which
 * has no unrouted part, is still read.
 * Slots are stored in host byte order, so checkpoints are only written and
 * read on little-endian hosts; big-endian ones (s390x, AIX) always scan.
 */
import { crc32 } from 'node:zlib';
import type { CheckpointList, IndexedCheckpointList } from '../storage/types.js';
import { InvertedBuckets } from './buckets.js';
import type { RowLayout } from './codecs/codec.js';

/** Current checkpoint format. Versions 1 (before items without a vector) and 2 are read; any other is refused (and the memory scans). */
export const CHECKPOINT_VERSION = 2;
const MAGIC = 0x524d5253; // "SRMR"
const FIXED = 20;
/** The unrouted part of a version 2 header: their count and checksum. */
const UNROUTED_TAIL = 8;

/** Whether typed arrays are little-endian here (the checkpoint's byte order). */
export const CHECKPOINTS_SUPPORTED = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Why a checkpoint was not used; the memory reports it in `stats().openedFrom`. */
export class CheckpointRejected extends Error {}

function bytesOf(a: Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A checkpoint to write: its header, the lists that changed, and every list's checksum. */
export interface CheckpointWrite {
  header: Uint8Array;
  /** The lists to (re)write, lazily, as views (no copy of the rows). */
  lists: Iterable<IndexedCheckpointList>;
  /** Checksum of every list, for the next incremental checkpoint. */
  checksums: Uint32Array;
}

/**
 * The checkpoint of `buckets` and of the `unrouted` slots (items without a vector), taken against
 * the persisted `state` blob. `stored` holds the checksums of the lists the store holds now (the
 * unrouted list last); lists that did not change since then are left out (the store keeps them).
 * Without it, every list is written. The store keeps `K + 1` lists.
 */
export function checkpointOf(
  buckets: InvertedBuckets,
  layout: RowLayout,
  state: Uint8Array,
  unrouted: ReadonlySet<number>,
  stored: Uint32Array | null = null,
): CheckpointWrite {
  const K = buckets.K;
  const header = new Uint8Array(FIXED + 8 * K + UNROUTED_TAIL);
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, crc32(state), true);
  view.setUint32(12, K, true);
  const list = (b: number): IndexedCheckpointList => {
    const n = buckets.sizeOf(b);
    return { list: b, slots: bytesOf(buckets.slotsOf(b)), rows: buckets.rowsOf(b).subarray(0, layout.bytesFor(n)) };
  };
  const reuse = stored !== null && stored.length === K + 1;
  const write: number[] = [];
  const checksums = new Uint32Array(K + 1);
  let items = 0;
  for (let b = 0; b < K; b++) {
    const n = buckets.sizeOf(b);
    items += n;
    if (reuse && !buckets.isChanged(b)) checksums[b] = stored[b]!;
    else {
      const { slots, rows } = list(b);
      checksums[b] = crc32(rows, crc32(slots));
      write.push(b);
    }
    view.setUint32(FIXED + 8 * b, n, true);
    view.setUint32(FIXED + 8 * b + 4, checksums[b]!, true);
  }
  const unroutedSlots = bytesOf(Uint32Array.from(unrouted).sort());
  const unroutedList: IndexedCheckpointList = { list: K, slots: unroutedSlots, rows: new Uint8Array(0) };
  checksums[K] = crc32(unroutedSlots);
  view.setUint32(FIXED + 8 * K, unrouted.size, true);
  view.setUint32(FIXED + 8 * K + 4, checksums[K]!, true);
  view.setUint32(16, items + unrouted.size, true);
  const rewriteUnrouted = !reuse || stored[K] !== checksums[K];
  return {
    header,
    checksums,
    lists: {
      *[Symbol.iterator]() {
        for (const b of write) yield list(b);
        if (rewriteUnrouted) yield unroutedList;
      },
    },
  };
}

/** What a checkpoint restores: the bucket lists, and the slot bookkeeping derived from them. */
export interface RestoredRouting {
  buckets: InvertedBuckets;
  /** Slots of the items stored without a vector. */
  unrouted: number[];
  /** The checksum of every list (what the store holds, the unrouted list last), for the next incremental checkpoint. */
  checksums: Uint32Array;
  items: number;
  /** One past the highest slot in use. */
  slotEnd: number;
  /** Unused slots below `slotEnd`, highest first (the order the memory pops them). */
  freeSlots: number[];
}

/** `bytes` as its own buffer at offset 0 (what the bucket lists require), copying only when it is not. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength) return bytes;
  return bytes.slice();
}

/**
 * Restores bucket lists from a checkpoint read back from the store, after checking it against
 * the current `state` blob, the expected list count, the row layout and the stored item count.
 *
 * @throws CheckpointRejected naming the first mismatch.
 */
export function restoreCheckpoint(
  checkpoint: { header: Uint8Array; lists: CheckpointList[] },
  expected: { state: Uint8Array; K: number; layout: RowLayout; storedItems: number },
): RestoredRouting {
  const { header, lists } = checkpoint;
  const { K, layout } = expected;
  if (!CHECKPOINTS_SUPPORTED) throw new CheckpointRejected('this host is big-endian');
  if (header.byteLength < FIXED) throw new CheckpointRejected(`header is truncated (${header.byteLength} bytes)`);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new CheckpointRejected('bad magic');
  const version = view.getUint32(4, true);
  if (version !== 1 && version !== CHECKPOINT_VERSION) throw new CheckpointRejected(`version ${version}, this build reads 1 and ${CHECKPOINT_VERSION}`);
  if (view.getUint32(8, true) !== crc32(expected.state)) throw new CheckpointRejected('taken against another index state');
  const listCount = view.getUint32(12, true);
  const tail = version === 1 ? 0 : UNROUTED_TAIL;
  const storedLists = version === 1 ? K : K + 1;
  if (listCount !== K || header.byteLength !== FIXED + 8 * K + tail || lists.length !== storedLists) {
    throw new CheckpointRejected(`has ${listCount} lists (${lists.length} stored), the codebook has ${K}`);
  }
  const items = view.getUint32(16, true);
  if (items !== expected.storedItems) throw new CheckpointRejected(`lists ${items} items, the store holds ${expected.storedItems}`);

  const slotLists: Uint32Array[] = [];
  const rowLists: Uint8Array[] = [];
  const checksums = new Uint32Array(K + 1);
  let total = 0;
  for (let b = 0; b < K; b++) {
    const n = view.getUint32(FIXED + 8 * b, true);
    const { slots, rows } = lists[b]!;
    if (slots.byteLength !== 4 * n || rows.byteLength !== layout.bytesFor(n)) throw new CheckpointRejected(`list ${b} has the wrong size`);
    checksums[b] = view.getUint32(FIXED + 8 * b + 4, true);
    if (crc32(rows, crc32(slots)) !== checksums[b]) throw new CheckpointRejected(`list ${b} fails its checksum`);
    const own = ownBuffer(slots);
    slotLists.push(new Uint32Array(own.buffer, 0, n));
    rowLists.push(ownBuffer(rows));
    total += n;
  }
  const unrouted = version === 1 ? new Uint32Array(0) : restoreUnrouted(view, K, lists[K]!, checksums);
  total += unrouted.length;
  if (total !== items) throw new CheckpointRejected(`lists hold ${total} items, the header says ${items}`);

  let slotEnd = 0;
  for (const l of [...slotLists, unrouted]) for (let i = 0; i < l.length; i++) if (l[i]! >= slotEnd) slotEnd = l[i]! + 1;
  const used = new Uint8Array(slotEnd);
  for (const l of [...slotLists, unrouted]) {
    for (let i = 0; i < l.length; i++) {
      if (used[l[i]!]) throw new CheckpointRejected(`slot ${l[i]} is listed twice`);
      used[l[i]!] = 1;
    }
  }
  const freeSlots: number[] = [];
  for (let s = slotEnd - 1; s >= 0; s--) if (!used[s]) freeSlots.push(s);
  // A version 1 checkpoint has no unrouted list in the store: its checksums must not let the next checkpoint skip writing one.
  const known = version === 1 ? checksums.subarray(0, K) : checksums;
  return { buckets: InvertedBuckets.adopt(K, layout, slotLists, rowLists), unrouted: Array.from(unrouted), checksums: known, items, slotEnd, freeSlots };
}

/** The unrouted slots of a version 2 checkpoint (the list after the K bucket lists), checked against the header; their checksum goes in `checksums[K]`. */
function restoreUnrouted(view: DataView, K: number, list: CheckpointList, checksums: Uint32Array): Uint32Array {
  const n = view.getUint32(FIXED + 8 * K, true);
  checksums[K] = view.getUint32(FIXED + 8 * K + 4, true);
  if (list.slots.byteLength !== 4 * n || list.rows.byteLength !== 0) throw new CheckpointRejected('the unrouted slots have the wrong size');
  if (crc32(list.slots) !== checksums[K]) throw new CheckpointRejected('the unrouted slots fail their checksum');
  return new Uint32Array(ownBuffer(list.slots).buffer, 0, n);
}
