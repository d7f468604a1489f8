/**
 * The JSONL format of `srm export` / `srm import`, version 1.
 *
 * ```
 * {"type":"header","format":"srm-export","version":1,"createdAt":"...","srm":[{"name":"default","items":2,"config":{...}}],"glossary":[{"name":"glossary","entries":1}]}
 * {"type":"srm","store":"default","id":"a","vector":[0.12,-0.5,...],"payload":{"text":"..."}}
 * {"type":"glossary","store":"glossary","agentId":"bot","key":"JWT","value":"JSON Web Token","category":"acronym","aliases":[],"description":"","updatedAt":1700000000000}
 * ```
 *
 * The header comes first and declares every store with its line count, so a
 * truncated file is detected. SRM vectors are the stored ones (unit length
 * for cosine memories), written with the fewest digits that read back to the
 * same float32; an item stored without a vector has `"vector":null`. A reader refuses any other
 * format name or version.
 */
import { optionsOfConfig, resolveConfig, type SRMConfig } from '../srm/config.js';
import type { SRMOptions } from '../srm/types.js';
import { checkId, checkPayload } from '../srm/validate.js';
import { checkEntry } from '../glossary/validation.js';
import { glossaryId } from '../glossary/ids.js';
import { Limits } from '../limits.js';
import type { GlossaryEntry, Payload } from '../storage/types.js';

/** Format name in the header. */
export const EXPORT_FORMAT = 'srm-export';
/** Format version this build writes and reads. */
export const EXPORT_FORMAT_VERSION = 1;

/** SRMConfig as JSON: an unlimited candidate budget is `null`. */
/** The config as exported; `growK`/`growM` are absent from exports written before K could follow the item count. */
export type ExportedSrmConfig = Omit<SRMConfig, 'maxCandidates' | 'growK' | 'growM'> & { maxCandidates: number | null; growK?: boolean; growM?: boolean };

/** First line of an export. */
export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_FORMAT_VERSION;
  createdAt: string;
  srm: { name: string; items: number; config: ExportedSrmConfig }[];
  glossary: { name: string; entries: number }[];
}

/** One SRM item. */
export interface SrmLine {
  type: 'srm';
  store: string;
  id: string;
  /** Null for an item stored without a vector. */
  vector: number[] | null;
  payload: Payload;
}

/** One glossary entry (its id is derived from agentId and key, so it is not written). */
export interface GlossaryLine extends GlossaryEntry {
  type: 'glossary';
  store: string;
  updatedAt: number;
}

/** A line that failed validation; `message` says what was expected. */
export class BadLine extends Error {}

/** `SRMConfig` → its JSON form. */
export function exportConfig(config: SRMConfig): ExportedSrmConfig {
  return { ...config, maxCandidates: Number.isFinite(config.maxCandidates) ? config.maxCandidates : null };
}

/** The JSON form → `SRMOptions` for `SemanticRoutingMemory.open`, validated. */
export function importConfig(config: ExportedSrmConfig): SRMConfig {
  return resolveConfig(importOptions(config));
}

/** The JSON form → the options that open a memory of that configuration (checked by {@link importConfig}). */
export function importOptions(config: ExportedSrmConfig): SRMOptions {
  const { maxCandidates, ...rest } = config;
  // An export written before K could follow the item count has them fixed.
  return optionsOfConfig({ growK: false, growM: false, ...rest, maxCandidates: maxCandidates ?? Infinity });
}

/** Shortest decimal text that reads back to the same float32 (at most 9 significant digits). */
export function float32Text(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v === 0 ? 0 : v);
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** The JSONL line of one SRM item. */
export function srmLineText(store: string, id: string, vector: Float32Array | null, payload: Payload): string {
  let vec = vector === null ? 'null' : '[';
  if (vector !== null) {
    for (let j = 0; j < vector.length; j++) vec += (j ? ',' : '') + float32Text(vector[j]!);
    vec += ']';
  }
  return `{"type":"srm","store":${JSON.stringify(store)},"id":${JSON.stringify(id)},"vector":${vec},"payload":${JSON.stringify(payload)}}`;
}

/** The JSONL line of one glossary entry. */
export function glossaryLineText(store: string, e: GlossaryEntry & { updatedAt: number }): string {
  const line: GlossaryLine = {
    type: 'glossary',
    store,
    agentId: e.agentId,
    key: e.key,
    value: e.value,
    category: e.category,
    aliases: e.aliases,
    description: e.description,
    updatedAt: e.updatedAt,
  };
  return JSON.stringify(line);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function storeName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > Limits.maxIdLength) {
    throw new BadLine(`${what} must be a non-empty string of at most ${Limits.maxIdLength} characters, got ${JSON.stringify(v)}`);
  }
  return v;
}

function count(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new BadLine(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Parses and checks the header line. */
export function parseHeader(text: string): ExportHeader {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    throw new BadLine('the first line is not JSON; expected the export header');
  }
  if (!isObject(h) || h.type !== 'header') throw new BadLine('the first line must be the export header ({"type":"header",...})');
  if (h.format !== EXPORT_FORMAT) throw new BadLine(`header format is ${JSON.stringify(h.format)}, expected "${EXPORT_FORMAT}"`);
  if (h.version !== EXPORT_FORMAT_VERSION) {
    throw new BadLine(`header version is ${JSON.stringify(h.version)}; this build reads version ${EXPORT_FORMAT_VERSION}`);
  }
  if (!Array.isArray(h.srm) || !Array.isArray(h.glossary)) throw new BadLine('header must list its stores in "srm" and "glossary" arrays');
  const srm = h.srm.map((s: unknown, i) => {
    if (!isObject(s) || !isObject(s.config)) throw new BadLine(`header srm[${i}] must be { name, items, config }`);
    const name = storeName(s.name, `header srm[${i}].name`);
    let config: SRMConfig;
    try {
      config = importConfig(s.config as ExportedSrmConfig);
    } catch (err) {
      throw new BadLine(`header srm[${i}].config: ${(err as Error).message}`);
    }
    return { name, items: count(s.items, `header srm[${i}].items`), config: exportConfig(config) };
  });
  const glossary = h.glossary.map((g: unknown, i) => {
    if (!isObject(g)) throw new BadLine(`header glossary[${i}] must be { name, entries }`);
    return { name: storeName(g.name, `header glossary[${i}].name`), entries: count(g.entries, `header glossary[${i}].entries`) };
  });
  for (const [kind, list] of [
    ['srm', srm],
    ['glossary', glossary],
  ] as const) {
    const names = list.map((s) => s.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new BadLine(`header lists ${kind} store ${JSON.stringify(dup)} twice`);
  }
  return { type: 'header', format: EXPORT_FORMAT, version: EXPORT_FORMAT_VERSION, createdAt: String(h.createdAt ?? ''), srm, glossary };
}

/**
 * Parses and checks one data line against the header. `seen` holds the
 * item and entry identities met so far (per store), so a repeated one is
 * reported with the line that had it first.
 */
export function parseDataLine(text: string, header: ExportHeader, seen: Map<string, number>, lineNo: number): SrmLine | GlossaryLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadLine('not valid JSON');
  }
  if (!isObject(parsed)) throw new BadLine('expected a JSON object');
  const v = parsed;
  const claim = (key: string, what: string) => {
    const first = seen.get(key);
    if (first !== undefined) throw new BadLine(`${what} repeats line ${first}`);
    seen.set(key, lineNo);
  };
  try {
    if (v.type === 'srm') {
      const store = header.srm.find((s) => s.name === v.store);
      if (!store) throw new BadLine(`SRM store ${JSON.stringify(v.store)} is not declared in the header`);
      const id = checkId(v.id, 'id');
      const { d } = store.config;
      if (v.vector !== null && (!Array.isArray(v.vector) || v.vector.length !== d)) {
        throw new BadLine(
          `vector must be an array of ${d} numbers or null, got ${Array.isArray(v.vector) ? `${v.vector.length} values` : JSON.stringify(v.vector)}`,
        );
      }
      // Float32 semantics, as the memory stores them: 1e39 is a finite double but Infinity as a float32.
      const j = v.vector === null ? -1 : v.vector.findIndex((x) => typeof x !== 'number' || !Number.isFinite(Math.fround(x)));
      if (j >= 0) throw new BadLine(`vector[${j}] must be a number that is finite as a float32 (|x| < 3.4e38), got ${JSON.stringify(v.vector![j])}`);
      const payload = checkPayload(v.payload ?? {}, 'payload');
      claim(`srm\u0000${store.name}\u0000${id}`, `id ${JSON.stringify(id)} of SRM store ${JSON.stringify(store.name)}`);
      return { type: 'srm', store: store.name, id, vector: v.vector as number[] | null, payload };
    }
    if (v.type === 'glossary') {
      const store = header.glossary.find((s) => s.name === v.store);
      if (!store) throw new BadLine(`glossary store ${JSON.stringify(v.store)} is not declared in the header`);
      const entry = checkEntry(v, 'entry');
      const updatedAt = v.updatedAt === undefined ? Date.now() : count(v.updatedAt, 'updatedAt');
      claim(
        `glossary\u0000${store.name}\u0000${glossaryId(entry.agentId, entry.key)}`,
        `key ${JSON.stringify(entry.key)} of agent ${JSON.stringify(entry.agentId)}`,
      );
      return { type: 'glossary', store: store.name, ...entry, updatedAt };
    }
  } catch (err) {
    if (err instanceof BadLine) throw err;
    throw new BadLine((err as Error).message);
  }
  throw new BadLine(`type must be "srm" or "glossary", got ${JSON.stringify(v.type)}`);
}
