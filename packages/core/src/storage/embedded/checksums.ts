/**
 * Checksums of what an embedded SRM or glossary store reads back, so that flipped bytes in
 * `memory.sqlite` or in a vector file give a {@link CorruptDataError} instead of a wrong answer.
 *
 * - In the items table, `vector_crc` is the CRC-32 of the vector's bytes and `record_crc` that of
 *   the id and the payload text, both seeded with the slot, so a row that moved to another slot
 *   fails too. CRC-32 comes from `node:zlib` (native), cheap next to the SQLite read it guards.
 * - In a vector file, a row's tag carries a 31-bit sum of its slot and its 32-bit words (two
 *   running sums, Fletcher style): any single flipped byte and any swapped row changes it, and it
 *   costs two additions per float on the query's hot path, where a CRC per row would not fit.
 * - In a glossary entries table, `text_crc` covers the columns an entry is returned with and
 *   `terms_crc` its terms blob, which the BM25 index is rebuilt from at open.
 */
import { crc32 } from 'node:zlib';

/** CRC-32 of the vector bytes of `slot` (of a float32 vector, or of its bytes as read back). */
export function vectorChecksum(slot: number, bytes: Uint8Array | Float32Array): number {
  return crc32(bytes, slot >>> 0);
}

/**
 * CRC-32 of the id and the payload text of `slot`, in one call (each call into zlib costs more
 * than the bytes); the id's length keeps "ab"+"c" apart from "a"+"bc".
 */
export function recordChecksum(slot: number, id: string, payloadJson: string): number {
  return crc32(`${id.length}:${id}${payloadJson}`, slot >>> 0);
}

/** The columns of a glossary entry row that its text checksum covers. */
export interface GlossaryRowText {
  id: string;
  agent_id: string;
  key: string;
  category: string;
  value: string;
  aliases: string;
  description: string;
  updated_at: number;
}

/**
 * CRC-32 of a glossary entry's text columns, which search, get and list return (the key's
 * lowercase copy only orders the table's index, and the integrity check at open covers that).
 */
export function glossaryTextChecksum(r: GlossaryRowText): number {
  return crc32(JSON.stringify([r.id, r.agent_id, r.key, r.category, r.value, r.aliases, r.description, r.updated_at]));
}

/** CRC-32 of a glossary entry's terms blob, seeded with its id and agent, so a blob moved to another entry fails. */
export function glossaryTermsChecksum(id: string, agentId: string, terms: Uint8Array): number {
  return crc32(terms, crc32(`${id.length}:${id}${agentId}`));
}

/** Tag of an empty slot in a vector file. */
export const TAG_EMPTY = 0;
/** Tag of a slot whose database vector was damaged when the file was built: the database reports it. */
export const TAG_DAMAGED = 2;

/**
 * Tag of a present row of a vector file: the sum of `slot` and the `count` words of `words` from
 * `at`, with the high bit set so that it is never {@link TAG_EMPTY} or {@link TAG_DAMAGED}.
 */
export function rowTag(slot: number, words: Uint32Array, at: number, count: number): number {
  let a = slot ^ TAG_SEED;
  let b = 0;
  for (let k = at; k < at + count; k++) {
    a = (a + words[k]!) | 0;
    b = (b + a) | 0;
  }
  return finishTag(a, b);
}

/** Starts the first running sum of {@link rowTag}, xored with the slot. */
export const TAG_SEED = 0x5bd1e995;

/** The tag from the two running sums of {@link rowTag} (the vector file's read computes them inline). */
export function finishTag(a: number, b: number): number {
  return (((a ^ Math.imul(b, 0x9e3779b1)) >>> 1) | 0x8000_0000) >>> 0;
}
