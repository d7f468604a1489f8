/**
 * The persisted index state: config, codebook, quantizer parameters and
 * quantisation-error baseline, in one versioned, checksummed blob. Per-item
 * data (slots, buckets, vectors) lives in the store's records.
 *
 * Layout (little-endian): "SRMS" | u32 version | u32 crc32(body) | body, where
 * body = u32 jsonLength | JSON header | codebook bytes | quantizer bytes, and
 * the JSON header gives the two byte lengths.
 */
import { crc32 } from 'node:zlib';
import { CorruptDataError } from '../errors.js';
import { defaultSRMOptions, type SRMConfig } from './config.js';

/** Current format version. Older versions are migrated on load; newer ones are refused. */
export const STATE_VERSION = 1;
const MAGIC = 0x534d5253; // "SRMS"

/** Decoded state. */
export interface PersistedState {
  config: SRMConfig;
  codebook: Uint8Array | null;
  quantizer: Uint8Array;
  fitError: number | null;
  /** Items at the last fit or refit (the baseline of the growth-triggered refit); null if never fitted. */
  sizeAtFit: number | null;
  /** True between a codebook change and the store's bucket rewrite; on open, every item is re-routed. */
  pendingReroute: boolean;
}

export function encodeState(s: PersistedState): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      config: { ...s.config, maxCandidates: Number.isFinite(s.config.maxCandidates) ? s.config.maxCandidates : null },
      fitError: s.fitError,
      sizeAtFit: s.sizeAtFit,
      pendingReroute: s.pendingReroute,
      codebookBytes: s.codebook?.byteLength ?? -1,
      quantizerBytes: s.quantizer.byteLength,
    }),
  );
  const bodyLen = 4 + header.byteLength + (s.codebook?.byteLength ?? 0) + s.quantizer.byteLength;
  const out = new Uint8Array(12 + bodyLen);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, STATE_VERSION, true);
  view.setUint32(12, header.byteLength, true);
  let off = 16;
  out.set(header, off);
  off += header.byteLength;
  if (s.codebook) {
    out.set(s.codebook, off);
    off += s.codebook.byteLength;
  }
  out.set(s.quantizer, off);
  view.setUint32(8, crc32(out.subarray(12)), true);
  return out;
}

export function decodeState(bytes: Uint8Array, where: string): PersistedState {
  if (bytes.byteLength < 16) throw new CorruptDataError(where, `index state is truncated (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new CorruptDataError(where, 'index state has a bad magic number');
  const version = view.getUint32(4, true);
  if (version !== STATE_VERSION) throw new CorruptDataError(where, `index state has format version ${version}; this build reads version ${STATE_VERSION}`);
  if (crc32(bytes.subarray(12)) !== view.getUint32(8, true)) throw new CorruptDataError(where, 'index state checksum mismatch (truncated or corrupted)');
  const headerLen = view.getUint32(12, true);
  let header: {
    config: SRMConfig & { maxCandidates: number | null };
    fitError: number | null;
    sizeAtFit?: number | null;
    pendingReroute: boolean;
    codebookBytes: number;
    quantizerBytes: number;
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLen)));
  } catch (cause) {
    throw new CorruptDataError(where, 'index state header is not valid JSON', { cause });
  }
  let off = 16 + headerLen;
  const codebook = header.codebookBytes >= 0 ? bytes.slice(off, off + header.codebookBytes) : null;
  off += Math.max(0, header.codebookBytes);
  const quantizer = bytes.slice(off, off + header.quantizerBytes);
  if (off + header.quantizerBytes !== bytes.byteLength) throw new CorruptDataError(where, 'index state has trailing or missing bytes');
  return {
    // Fields added after a state was written take their defaults.
    config: {
      ...header.config,
      growthRefitRatio: header.config.growthRefitRatio ?? defaultSRMOptions.growthRefitRatio,
      // A memory written before K could follow the item count keeps its fixed K and m.
      growK: header.config.growK ?? false,
      growM: header.config.growM ?? false,
      maxCandidates: header.config.maxCandidates ?? Infinity,
      // A memory written before the early stop re-scores every refine candidate, so its answers stay as they were.
      refineEarlyStop: header.config.refineEarlyStop ?? false,
    },
    codebook,
    quantizer,
    fitError: header.fitError,
    sizeAtFit: header.sizeAtFit ?? null,
    pendingReroute: header.pendingReroute,
  };
}
