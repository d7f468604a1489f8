/**
 * Fixtures of the CLI tests: a memory directory built the way an app builds
 * one (an SRM store of real GloVe word vectors and a glossary of real
 * acronyms from Debian's VERA dictionary), and an in-process `CliIo` that
 * captures what the CLI prints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDictd, DICTD_DIR } from '../../src/datasets/dictd.js';
import { loadGloveVectors } from '../../src/embeddings/glove.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import type { RerankMode } from '../../src/srm/types.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { main, type CliIo } from '../../src/cli/cli.js';

/** Words 2000.. of GloVe (frequent, but past the stop words). */
export const FIRST_WORD = 2000;
export const SRM_ITEMS = 1500;
export const AGENT = 'support-bot';
export const OTHER_AGENT = 'ops-bot';

/** What a CLI run printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main` in-process with captured output. */
export async function runCli(argv: string[], opts: { tty?: boolean; env?: Record<string, string> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: opts.tty ?? false,
    env: opts.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const temps: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemps}. */
export function tempDir(prefix = 'srm-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The `i`-th word stored by {@link buildMemoryDir}. */
export async function storedWord(i: number): Promise<string> {
  return (await loadGloveVectors()).words[FIRST_WORD + i]!;
}

/** The GloVe row of a word, as the fixture stored it (raw; the memory normalises). */
export async function gloveRow(word: string): Promise<Float32Array> {
  const g = await loadGloveVectors();
  const row = g.index.get(word);
  if (row === undefined) throw new Error(`"${word}" is not in GloVe`);
  return g.vectors.slice(row * g.dim, (row + 1) * g.dim);
}

/** Opens `path` in-process (the CLI must have closed it) and runs `fn` on both memories. */
export async function withMemories<T>(path: string, fn: (srm: SemanticRoutingMemory, glossary: SemanticMemory | undefined) => Promise<T>): Promise<T> {
  const storage = await EmbeddedStorage.open(path);
  try {
    const srm = await SemanticRoutingMemory.open({ storage, d: 100 });
    const stores = await storage.listStores();
    const glossary = stores.glossary.includes('glossary') ? await SemanticMemory.open({ storage }) : undefined;
    try {
      return await fn(srm, glossary);
    } finally {
      await srm.close();
      await glossary?.close();
    }
  } finally {
    await storage.close();
  }
}

/** Acronym entries of VERA: key = acronym, value = its expansion. */
export function veraEntries(n: number): { key: string; value: string; category: string; aliases: string[] }[] {
  const out: { key: string; value: string; category: string; aliases: string[] }[] = [];
  const seen = new Set<string>();
  for (const e of readDictd(join(DICTD_DIR, 'vera'))) {
    // VERA: the acronym, then its expansion on the following title lines; the first expansion is kept.
    const key = e.titleLines[0]?.trim();
    const value = e.titleLines.slice(1).join(' ').trim();
    if (!key || !/^[A-Z][A-Z0-9]{1,7}$/.test(key) || seen.has(key.toLowerCase()) || value.length < 5) continue;
    seen.add(key.toLowerCase());
    out.push({ key, value, category: /^[A-Z]+$/.test(key) ? 'acronym' : 'code', aliases: [] });
    if (out.length === n) break;
  }
  return out;
}

/**
 * A memory directory as an app leaves it: `SemanticRoutingMemory.open({ path })`'s
 * `"default"` store and `SemanticMemory.open({ path })`'s `"glossary"` store
 * (one backend shared, as one process must), closed.
 */
export async function buildMemoryDir(dir: string, opts: { glossary?: boolean; items?: number; rerank?: RerankMode } = {}): Promise<void> {
  const g = await loadGloveVectors();
  const n = opts.items ?? SRM_ITEMS;
  const storage = await EmbeddedStorage.open(dir);
  try {
    const srm = await SemanticRoutingMemory.open({ storage, d: g.dim, K: 16, autoFitAt: 1000, ...(opts.rerank ? { rerank: opts.rerank } : {}) });
    const words = g.words.slice(FIRST_WORD, FIRST_WORD + n);
    await srm.add(g.vectors.slice(FIRST_WORD * g.dim, (FIRST_WORD + n) * g.dim), {
      ids: words,
      payloads: words.map((word, i) => ({ word, rank: FIRST_WORD + i })),
    });
    await srm.close();
    if (opts.glossary !== false) {
      const glossary = await SemanticMemory.open({ storage });
      const entries = veraEntries(60);
      await glossary.memorizeMany(entries.slice(0, 50).map((e) => ({ ...e, agentId: AGENT })));
      await glossary.memorizeMany(entries.slice(50).map((e) => ({ ...e, agentId: OTHER_AGENT })));
      await glossary.memorize({
        key: 'JWT',
        value: 'JSON Web Token, a signed token for API authentication',
        agentId: AGENT,
        category: 'acronym',
        aliases: ['json web token'],
      });
      await glossary.close();
    }
  } finally {
    await storage.close();
  }
}
