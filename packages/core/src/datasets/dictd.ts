/**
 * Reader for dictd dictionaries (`name.index` + `name.dict` or `name.dict.dz`),
 * the format of Debian's `dict-jargon`, `dict-foldoc` and `dict-vera`. Used by
 * the demo, the glossary tests and the benchmarks to get real glossaries
 * without vendoring their text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CorruptDataError, InvalidInputError } from '../errors.js';

/** One definition of a dictd dictionary. */
export interface DictdEntry {
  /** Index headwords that point at this definition (lowercased by dictfmt), in index order. */
  headwords: string[];
  /**
   * Lines before the first blank line of the definition, with their original
   * casing: the headword, then any synonyms (`"*LISP"`, `"StarLISP"`).
   */
  titleLines: string[];
  /** The definition text after the title lines, with indentation and line wraps folded to single spaces. */
  body: string;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeNumber(s: string, file: string, line: number): number {
  let n = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new CorruptDataError(file, `line ${line}: bad base64 number ${JSON.stringify(s)}`);
    n = n * 64 + v;
  }
  return n;
}

/** Default folder of Debian's dictd dictionaries. */
export const DICTD_DIR = '/usr/share/dictd';

/**
 * Reads a dictd dictionary. `base` is the path without extension, e.g.
 * `/usr/share/dictd/foldoc`. Entries that share one definition are merged;
 * the `00-database-*` metadata entries are skipped.
 *
 * @throws InvalidInputError when the files do not exist; CorruptDataError when they do not parse.
 */
export function readDictd(base: string): DictdEntry[] {
  const indexFile = `${base}.index`;
  const dictFile = existsSync(`${base}.dict.dz`) ? `${base}.dict.dz` : `${base}.dict`;
  if (!existsSync(indexFile) || !existsSync(dictFile)) {
    throw new InvalidInputError(
      `no dictd dictionary at ${base} (expected ${base}.index and ${base}.dict[.dz]); on Debian: apt-get install dict-jargon dict-foldoc dict-vera`,
    );
  }
  const raw = readFileSync(dictFile);
  let data: Buffer;
  try {
    // dictzip is gzip with random-access extras; a plain gunzip reads it whole.
    data = dictFile.endsWith('.dz') ? gunzipSync(raw) : raw;
  } catch (cause) {
    throw new CorruptDataError(dictFile, 'not a valid gzip/dictzip file', { cause });
  }
  const byOffset = new Map<string, DictdEntry>();
  const lines = readFileSync(indexFile, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.length === 0) return;
    const [headword, off, len] = line.split('\t');
    if (headword === undefined || off === undefined || len === undefined) {
      throw new CorruptDataError(indexFile, `line ${i + 1}: expected "headword<TAB>offset<TAB>length"`);
    }
    if (headword.startsWith('00-database') || headword.startsWith('00database')) return;
    const slot = `${off}\t${len}`;
    const known = byOffset.get(slot);
    if (known) {
      known.headwords.push(headword);
      return;
    }
    const start = decodeNumber(off, indexFile, i + 1);
    const end = start + decodeNumber(len, indexFile, i + 1);
    if (end > data.length) throw new CorruptDataError(dictFile, `definition of ${JSON.stringify(headword)} runs past the end of the file`);
    const text = data.subarray(start, end).toString('utf8');
    const blank = text.search(/\n\s*\n/);
    const head = blank < 0 ? text : text.slice(0, blank);
    const body = blank < 0 ? '' : text.slice(blank);
    byOffset.set(slot, {
      headwords: [headword],
      titleLines: head
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0),
      body: body.replace(/\s+/g, ' ').trim(),
    });
  });
  return [...byOffset.values()];
}
