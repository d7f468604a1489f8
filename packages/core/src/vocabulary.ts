/**
 * The domain vocabulary: plain data types that every layer speaks (filters, the sparse engine,
 * storage, the memories). This module imports nothing, so that any module may import it without
 * making a circle or an arrow that points up (see scripts/check-layers.mjs).
 */

/** JSON-serialisable metadata stored next to an item. */
export type Payload = Record<string, unknown>;

/** A sparse vector: parallel arrays of term ids (uint32) and weights. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/** A glossary entry as the user gives it. */
export interface GlossaryEntry {
  key: string;
  value: string;
  category: string;
  aliases: string[];
  description: string;
  agentId: string;
}

/** A glossary entry as stored: its deterministic id and its BM25 term-frequency vector. */
export interface StoredGlossaryEntry extends GlossaryEntry {
  /** UUID5 of `"{agentId}::{key.toLowerCase()}"`. */
  id: string;
  /** Document side of BM25: per-term saturated TF weights (see `glossary/bm25.ts`). */
  terms: SparseVector;
  /** Milliseconds since the epoch of the last write. */
  updatedAt: number;
}

/** Progress of a long operation (fit, bulk add, refit, migration). */
export interface ProgressEvent {
  /** What is running, e.g. `"fit:kmeans"`, `"add"`, `"refit:route"`. */
  phase: string;
  done: number;
  total: number;
}

/** Callback for {@link ProgressEvent}s. It must not throw. */
export type ProgressCallback = (event: ProgressEvent) => void;
