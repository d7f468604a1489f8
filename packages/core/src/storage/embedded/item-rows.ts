/**
 * The rows of an embedded SRM store's items table as the store writes and reads them: a checked
 * record prepared for its INSERT (checksums computed), the columns a read selects, and a row
 * decoded back into a view with its checksums checked (checksums.ts).
 */
import { CorruptDataError } from '../../errors.js';
import type { CheckedUpserts } from '../srm-record-checks.js';
import { checkWant } from '../srm-record-checks.js';
import type { FetchWants, Payload, SRMRecordView, SRMItemStoreSpec } from '../types.js';
import { recordChecksum, vectorChecksum } from './checksums.js';
import { RECOVERY_HINT } from './sqlite.js';

/** The checked upserts of a write with the checksums of their rows, in columns as well. */
export interface PreparedUpserts extends CheckedUpserts {
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

/** Checked upserts with the checksums of their rows. */
export function prepareUpserts(upserts: CheckedUpserts): PreparedUpserts {
  const n = upserts.ids.length;
  const vectorCrc = new Uint32Array(n);
  const recordCrc = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    vectorCrc[i] = vectorChecksum(upserts.slots[i]!, upserts.vectors[i]!);
    recordCrc[i] = recordChecksum(upserts.slots[i]!, upserts.ids[i]!, upserts.payloadJson[i]!);
  }
  return { ...upserts, vectorCrc, recordCrc };
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
