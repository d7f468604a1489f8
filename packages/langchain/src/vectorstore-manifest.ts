/**
 * The small JSON file that `SRMVectorStore.save` writes next to the embedded
 * memory, so that `load` / `open` know the memory's options (above all `d`)
 * without asking the embedding model.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptDataError, optionsOfConfig } from '@srm/core';
import type { SRMConfig, SRMOptions } from '@srm/core';

/** File name of the manifest inside a vector store directory. */
export const MANIFEST_FILE = 'srm-langchain-vectorstore.json';
/** Format tag and version of the manifest. Loading refuses other versions. */
export const MANIFEST_FORMAT = 'srm-langchain-vectorstore';
export const MANIFEST_VERSION = 1;

/** What the manifest holds. */
export interface VectorStoreManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** Options of the memory; `d` is absent when the store was saved before its first document. */
  srm: Partial<SRMOptions>;
}

/** The options that open a memory like one of configuration `config` (a K that follows the item count goes on following it). */
export function optionsOfMemory(config: SRMConfig): SRMOptions {
  return optionsOfConfig(config);
}

/** Keeps only JSON-representable option values (`Infinity` means "default" and is dropped). */
export function manifestOptions(options: Readonly<Partial<SRMOptions>>): Partial<SRMOptions> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    if (typeof v === 'object') continue;
    out[k] = v;
  }
  return out as Partial<SRMOptions>;
}

/** Writes the manifest atomically (temporary file, then rename). */
export function writeManifest(directory: string, srm: Partial<SRMOptions>): void {
  mkdirSync(directory, { recursive: true });
  const file = join(directory, MANIFEST_FILE);
  const manifest: VectorStoreManifest = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, srm: manifestOptions(srm) };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, file);
}

/**
 * Reads the manifest of `directory`, or undefined when there is none.
 * @throws CorruptDataError naming the file when it is not a manifest of a known version.
 */
export function readManifest(directory: string): VectorStoreManifest | undefined {
  const file = join(directory, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CorruptDataError(file, 'not valid JSON', { cause });
  }
  const m = parsed as Partial<VectorStoreManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) {
    throw new CorruptDataError(file, `expected format "${MANIFEST_FORMAT}"`);
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new CorruptDataError(file, `unknown format version ${JSON.stringify(m.version)}; this release reads version ${MANIFEST_VERSION}`);
  }
  if (typeof m.srm !== 'object' || m.srm === null || (m.srm.d !== undefined && !Number.isInteger(m.srm.d))) {
    throw new CorruptDataError(file, 'field "srm" must be an object whose "d" is an integer');
  }
  return m as VectorStoreManifest;
}
