/**
 * Mature lexical engines with their own tokenizers, stemmers and scoring, run on the glossary
 * benchmark's entries and queries for quality only: SQLite FTS5's `bm25()` (in process, through
 * better-sqlite3) and Xapian (Debian's python3-xapian, in a child process). The peers of the main
 * table share our tokens so that they compare engines; these show what lexical retrieval reaches on
 * this data when nothing of ours is in the way.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { MemorizeInput } from '@srm/core';
import { FIELD_WEIGHTS, STOP_WORDS } from './peers.js';

/** Each query's top-10 entry keys, per query set. */
export type TopKeys = Record<string, string[][]>;

/** An engine's answers, or why it could not run. */
export type OwnAnalyzerRun = { name: string; keys: TopKeys } | { name: string; skipped: string };

/** Words of a query for FTS5: letters and digits, less the stop words, each quoted so that no word is query syntax. */
function fts5Match(query: string): string | undefined {
  const words = new Set((query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP_WORDS.has(w)));
  return words.size === 0 ? undefined : [...words].map((w) => `"${w}"`).join(' OR ');
}

/** SQLite FTS5 `bm25()` with the Porter stemmer over unicode61, with the benchmark's field weights and query stop words. */
export function runFts5(entries: readonly MemorizeInput[], queries: Record<string, readonly string[]>): OwnAnalyzerRun {
  const name = "SQLite FTS5 bm25(), tokenize 'porter unicode61'";
  const db = new Database(':memory:');
  try {
    // Value and description share one column, so they share one weight: the benchmark gives both 1.
    db.exec(`CREATE VIRTUAL TABLE glossary USING fts5(key, aliases, body, tokenize = 'porter unicode61')`);
    const insert = db.prepare('INSERT INTO glossary (key, aliases, body) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const e of entries) insert.run(e.key, (e.aliases ?? []).join(' ; '), `${e.value}\n${e.description ?? ''}`);
    })();
    const search = db
      .prepare(
        `SELECT key FROM glossary WHERE glossary MATCH ? ORDER BY bm25(glossary, ${FIELD_WEIGHTS.key}, ${FIELD_WEIGHTS.aliases}, ${FIELD_WEIGHTS.value}) LIMIT 10`,
      )
      .pluck();
    const keys: TopKeys = {};
    for (const [set, qs] of Object.entries(queries)) {
      keys[set] = qs.map((q) => {
        const match = fts5Match(q);
        return match === undefined ? [] : (search.all(match) as string[]);
      });
    }
    return { name, keys };
  } finally {
    db.close();
  }
}

const XAPIAN_SCRIPT = fileURLToPath(new URL('./xapian_peer.py', import.meta.url));
/** Debian's python3-xapian installs into the system Python, which a pyenv or venv `python3` on PATH would miss. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A whole FOLDOC run takes about a minute; a child still busy after this is stuck. */
const XAPIAN_TIMEOUT_MS = 20 * 60_000;

/** Why Xapian cannot run here, or `undefined` when it can. */
export function xapianMissing(): string | undefined {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import xapian'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return probe.error ? `${SYSTEM_PYTHON} not found (${probe.error.message})` : `${SYSTEM_PYTHON} has no xapian module (apt-get install python3-xapian)`;
}

/**
 * Xapian under several weighting schemes, with and without English stemming; skipped, with the
 * reason, when python3 or its xapian module is missing.
 */
export function runXapian(entries: readonly MemorizeInput[], queries: Record<string, readonly string[]>): OwnAnalyzerRun[] {
  const missing = xapianMissing();
  if (missing !== undefined) return [{ name: 'Xapian', skipped: missing }];
  const request = JSON.stringify({ entries, queries, stopWords: [...STOP_WORDS], fieldWeights: FIELD_WEIGHTS });
  const child = spawnSync(SYSTEM_PYTHON, [XAPIAN_SCRIPT], { input: request, encoding: 'utf8', maxBuffer: 1 << 30, timeout: XAPIAN_TIMEOUT_MS });
  if (child.error) throw new Error(`xapian_peer.py did not finish: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`xapian_peer.py failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const out = JSON.parse(child.stdout) as { version: string; configs: { name: string; keys: TopKeys }[] };
  return out.configs.map((c) => ({ name: `${c.name} (${out.version})`, keys: c.keys }));
}
