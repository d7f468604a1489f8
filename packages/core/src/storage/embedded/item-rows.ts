/**
 * The rows of an embedded SRM store's items table as the store writes and reads them: a checked
 * record prepared for its INSERT (checksums computed), the columns a read selects, and a row
 * decoded back into a view with its checksums checked (checksums.ts).
 */
import { CorruptDataError } from '../../errors.js';
import type { CheckedRecord } from '../srm-record-checks.js';
import { checkWant } from '../srm-record-checks.js';
import type { FetchWants, Payload, SRMRecordView, SRMItemStoreSpec } from '../types.js';
import { recordChecksum, vectorChecksum } from './checksums.js';
import { RECOVERY_HINT } from './sqlite.js';

/**
 * The checked upserts of a write with the checksums of their rows, in columns: an object and a
 * Buffer per row would live through the whole transaction of a large batch and be promoted out of
 * V8's young generation, to be collected later by a full collection that pauses queries.
 */
export interface PreparedUpserts {
  records: readonly CheckedRecord[];
  vectorCrc: Uint32Array;
  recordCrc: Uint32Array;
}

export const WANT_ID = 1;
export const WANT_BUCKET = 2;
export const WANT_VECTOR = 4;
export const WANT_PAYLOAD = 8;

export function wantMask(want: FetchWants): number {
  checkWant(want);
  return (want.id ? WANT_ID : 0) | (want.bucket ? WANT_BUCKET : 0) | (want.vector ? WANT_VECTOR : 0) | (want.payload ? WANT_PAYLOAD : 0);
}

/**
 * The columns a read of `mask` selects: the id and the payload come together with their checksum
 * (one covers both), and the vector with its own.
 */
export function columns(mask: number): string {
  const cols = ['slot'];
  if (mask & (WANT_ID | WANT_PAYLOAD)) cols.push('id', 'payload', 'record_crc');
  if (mask & WANT_BUCKET) cols.push('bucket');
  if (mask & WANT_VECTOR) cols.push('vector', 'vector_crc');
  return cols.join(', ');
}

export function cloneView(v: SRMRecordView): SRMRecordView {
  const c: SRMRecordView = { ...v };
  if (v.vector) c.vector = v.vector.slice();
  if (v.payload) c.payload = structuredClone(v.payload);
  return c;
}

/** The checksums of the rows of checked records. */
export function prepareUpserts(records: readonly CheckedRecord[]): PreparedUpserts {
  const vectorCrc = new Uint32Array(records.length);
  const recordCrc = new Uint32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const { id, slot, vector, payloadJson } = records[i]!;
    vectorCrc[i] = vectorChecksum(slot, vector);
    recordCrc[i] = recordChecksum(slot, id, payloadJson);
  }
  return { records, vectorCrc, recordCrc };
}

/**
 * A row of the columns of `mask` (see {@link columns}) of store `spec` as a view, its checksums
 * checked; damage is a {@link CorruptDataError} naming `location`.
 */
export function decodeRow(row: readonly unknown[], mask: number, location: string, spec: SRMItemStoreSpec): SRMRecordView {
  let c = 0;
  const slot = row[c++] as number;
  const view: SRMRecordView = { slot };
  if (mask & (WANT_ID | WANT_PAYLOAD)) {
    const id = row[c++];
    const text = row[c++];
    const crc = row[c++];
    if (typeof id !== 'string' || typeof text !== 'string' || (crc !== null && crc !== recordChecksum(slot, id, text))) {
      throw new CorruptDataError(location, `the id and payload of slot ${slot} in store "${spec.name}" do not match their checksum; ${RECOVERY_HINT}`);
    }
    if (mask & WANT_ID) view.id = id;
    if (mask & WANT_PAYLOAD) view.payload = decodePayload(text, slot, location, spec);
  }
  if (mask & WANT_BUCKET) view.bucket = row[c++] as number;
  if (mask & WANT_VECTOR) {
    const buf = row[c++] as Buffer;
    view.vector = decodeVector(buf, slot, row[c++] as number | null, location, spec);
  }
  return view;
}

function decodeVector(buf: Buffer, slot: number, crc: number | null, location: string, spec: SRMItemStoreSpec): Float32Array {
  if (!Buffer.isBuffer(buf) || buf.byteLength !== spec.dim * 4) {
    throw new CorruptDataError(
      location,
      `vector of slot ${slot} in store "${spec.name}" has ${Buffer.isBuffer(buf) ? buf.byteLength : 'no'} bytes, expected ${spec.dim * 4}`,
    );
  }
  if (crc !== null && crc !== vectorChecksum(slot, buf)) {
    throw new CorruptDataError(location, `vector of slot ${slot} in store "${spec.name}" does not match its checksum; ${RECOVERY_HINT}`);
  }
  // better-sqlite3 hands each blob over in its own ArrayBuffer: a view over it aliases nothing.
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return new Float32Array(buf.buffer, 0, spec.dim);
  const out = new Float32Array(spec.dim);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function decodePayload(text: string, slot: number, location: string, spec: SRMItemStoreSpec): Payload {
  try {
    return JSON.parse(text) as Payload;
  } catch (cause) {
    throw new CorruptDataError(location, `payload of slot ${slot} in store "${spec.name}" is not valid JSON`, { cause });
  }
}
