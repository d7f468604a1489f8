/**
 * Real glossaries for tests and benchmarks, built from Debian's dictd
 * dictionaries (`dict-foldoc`, `dict-jargon`, `dict-vera`; not vendored), and
 * the label-free query sets that measure recall on them:
 *
 * - **headword**: each entry's key → that entry;
 * - **unstated alias**: an alias (synonym, redirect, V.E.R.A. acronym) whose words the entry's own
 *   text never contains → that entry, so only the alias field can find it;
 * - **jargon**: a Jargon File definition → the FOLDOC entry of the same headword, keeping only
 *   pairs whose wordings are independent (FOLDOC copied many Jargon File entries verbatim).
 */
import { join } from 'node:path';
import { readDictd, DICTD_DIR, type DictdEntry } from '../datasets/dictd.js';
import { Limits } from '../limits.js';
import type { GlossaryTokenizer } from './tokenizer.js';
import { WordTokenizer } from './tokenizer.js';
import type { MemorizeInput } from './validation.js';

/** A glossary built from FOLDOC. */
export interface FoldocGlossary {
  /** One entry per FOLDOC definition, redirects folded into their targets' aliases. */
  entries: MemorizeInput[];
  /** How the entries were built. */
  stats: {
    definitions: number;
    redirectsFolded: number;
    duplicatesMerged: number;
    parentheticalAliases: number;
    veraAliases: number;
    entriesWithAliases: number;
  };
}

/** Options of {@link loadFoldocGlossary}. */
export interface FoldocGlossaryOptions {
  /** Folder of the dictd files. Default `/usr/share/dictd`. */
  dictDir?: string;
  /** agentId of every entry. Default `"foldoc"`. */
  agentId?: string;
  /** Add V.E.R.A. acronyms as aliases of the entries they expand to. Default true. */
  vera?: boolean;
}

/** A query with the key of the entry that should come first. */
export interface LabeledQuery {
  query: string;
  /** Key of the expected entry (exact, as in the glossary). */
  targetKey: string;
}

const CATEGORY = /<([^<>]{1,60})>/;
const LEADING_TAGS = /^(?:\d+\.\s*)?(?:<[^<>]{1,60}>\s*)+/;
const TRAILING_DATE = /\s*\(\d{4}-\d{2}-\d{2}\)\s*$/;
const REDIRECT = /^(?:(?:synonym|former name|old name|abbreviation|alternative (?:spelling|name)|another name)\s+(?:of|for)\s+)?\{([^{}]+)\}\.?$/i;
const LEADING_PAREN = /^\(([^()]{1,60})\)/;

/** Plain text of a FOLDOC or Jargon body: cross-reference braces and the trailing date removed. */
export function plainDictText(body: string): string {
  return body.replace(/[{}]/g, '').replace(TRAILING_DATE, '').replace(/\s+/g, ' ').trim();
}

function lower(s: string): string {
  return s.toLowerCase();
}

interface Draft {
  key: string;
  category: string;
  text: string;
  aliases: string[];
  names: Set<string>; // lowercased key and aliases
}

function addAlias(d: Draft, alias: string): boolean {
  const a = alias.trim();
  if (a.length === 0 || a.length > Limits.maxKeyLength || /[\u0000-\u001f\u007f]/.test(a)) return false;
  if (d.names.has(lower(a)) || d.aliases.length >= Limits.maxAliases) return false;
  d.names.add(lower(a));
  d.aliases.push(a);
  return true;
}

function parentheticalForms(text: string): string[] {
  const m = LEADING_PAREN.exec(text);
  if (!m) return [];
  return m[1]!
    .split(/[,;]/)
    .map((p) =>
      p
        .replace(/^\s*(?:or|also|aka)\s+/i, '')
        .replace(/["'\u2018\u2019\u201c\u201d]/g, '')
        .trim(),
    )
    .filter((p) => p.length > 0 && !/^(?:from|see|after|i\.e\.|e\.g\.)\b/i.test(p) && p.split(/\s+/).length <= 5 && /[\p{L}\p{N}]/u.test(p));
}

/**
 * Loads FOLDOC as a glossary (about 11.4k entries). Title-line synonyms and headwords that share a
 * definition become aliases; redirect-only definitions (`{Target}`, "Synonym for {X}") are folded into
 * their target as aliases; entries with the same key are merged; a leading parenthesised short form
 * `(HSCSD)` becomes an alias; V.E.R.A. acronyms whose expansion is an entry's key or alias are added.
 *
 * @throws InvalidInputError when the dictd files are not installed (`apt-get install dict-foldoc dict-vera`).
 */
export function loadFoldocGlossary(options: FoldocGlossaryOptions = {}): FoldocGlossary {
  const dir = options.dictDir ?? DICTD_DIR;
  const agentId = options.agentId ?? 'foldoc';
  const raw = readDictd(join(dir, 'foldoc'));
  const stats = { definitions: raw.length, redirectsFolded: 0, duplicatesMerged: 0, parentheticalAliases: 0, veraAliases: 0, entriesWithAliases: 0 };

  const drafts: Draft[] = [];
  const byKey = new Map<string, Draft>();
  const redirects: { entry: DictdEntry; target: string }[] = [];
  for (const d of raw) {
    const key = d.titleLines[0]?.trim();
    if (!key || key.length > Limits.maxKeyLength) continue;
    const stripped = d.body.replace(LEADING_TAGS, '').replace(TRAILING_DATE, '').trim();
    const redirect = REDIRECT.exec(stripped);
    if (redirect) {
      redirects.push({ entry: d, target: redirect[1]!.trim() });
      continue;
    }
    const category = CATEGORY.exec(d.body.slice(0, 200))?.[1]?.split(',')[0]?.trim() || 'general';
    const text = plainDictText(d.body.replace(/<[^<>]{1,60}>/g, ' '));
    let draft = byKey.get(lower(key));
    if (draft) {
      draft.text = `${draft.text} ${text}`.slice(0, Limits.maxTextLength);
      stats.duplicatesMerged++;
    } else {
      draft = { key, category, text: text.length > 0 ? text : key, aliases: [], names: new Set([lower(key)]) };
      byKey.set(lower(key), draft);
      drafts.push(draft);
    }
    for (const t of d.titleLines.slice(1)) addAlias(draft, t);
    for (const h of d.headwords) addAlias(draft, h);
    for (const p of parentheticalForms(text)) if (addAlias(draft, p)) stats.parentheticalAliases++;
  }

  const byName = new Map<string, Draft>();
  for (const d of drafts) byName.set(lower(d.key), d);
  for (const d of drafts) for (const a of d.aliases) if (!byName.has(lower(a))) byName.set(lower(a), d);

  for (const { entry, target } of redirects) {
    const into = byName.get(lower(target));
    const key = entry.titleLines[0]!.trim();
    if (into) {
      addAlias(into, key);
      for (const t of entry.titleLines.slice(1)) addAlias(into, t);
      stats.redirectsFolded++;
    } else if (!byKey.has(lower(key))) {
      const d: Draft = { key, category: 'general', text: plainDictText(entry.body), aliases: [], names: new Set([lower(key)]) };
      byKey.set(lower(key), d);
      drafts.push(d);
    }
  }

  if (options.vera ?? true) {
    for (const v of readDictd(join(dir, 'vera'))) {
      const acronym = v.titleLines[0]?.trim();
      const expansion = v.titleLines[1]
        ?.replace(/\([^()]*\)|\[[^[\]]*\]|"/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      if (!acronym || !expansion) continue;
      const into = byName.get(lower(expansion));
      if (into && addAlias(into, acronym)) stats.veraAliases++;
    }
  }

  const entries: MemorizeInput[] = drafts.map((d) => ({ key: d.key, value: d.text, category: d.category, aliases: d.aliases, description: '', agentId }));
  stats.entriesWithAliases = entries.filter((e) => (e.aliases?.length ?? 0) > 0).length;
  return { entries, stats };
}

/** Headword queries: each entry's key, expecting that entry. Keys the tokenizer cannot see (`!`) stay in as misses. */
export function headwordQueries(glossary: FoldocGlossary): LabeledQuery[] {
  return glossary.entries.map((e) => ({ query: e.key, targetKey: e.key }));
}

/**
 * Unstated-alias queries: every alias with at least one token that the entry's key and text do not
 * contain, expecting that entry.
 */
export function unstatedAliasQueries(glossary: FoldocGlossary, tokenizer: GlossaryTokenizer = new WordTokenizer()): LabeledQuery[] {
  const out: LabeledQuery[] = [];
  for (const e of glossary.entries) {
    if (!e.aliases || e.aliases.length === 0) continue;
    const own = new Set(tokenizer.tokenize(`${e.key} ${e.value} ${e.description ?? ''}`));
    for (const a of e.aliases) {
      const tokens = tokenizer.tokenize(a);
      if (tokens.length > 0 && tokens.some((t) => !own.has(t))) out.push({ query: a, targetKey: e.key });
    }
  }
  return out;
}

/** Options of {@link jargonQueries}. */
export interface JargonQueryOptions {
  /** Folder of the dictd files. Default `/usr/share/dictd`. */
  dictDir?: string;
  /**
   * A pair is a copy, and dropped, when at least this fraction of the Jargon text's word 4-grams also
   * occur in the FOLDOC text. Default 0.1.
   */
  copyThreshold?: number;
}

/** Fraction of `a`'s word 4-grams that also occur in `b`. */
export function shingleOverlap(a: string, b: string): number {
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const grams = (w: string[]) => {
    const g = new Set<string>();
    for (let i = 0; i + 4 <= w.length; i++) g.add(w.slice(i, i + 4).join(' '));
    return g;
  };
  const ga = grams(words(a));
  if (ga.size === 0) return 0;
  const gb = grams(words(b));
  let shared = 0;
  for (const g of ga) if (gb.has(g)) shared++;
  return shared / ga.size;
}

/**
 * Jargon File queries: the plain text of a Jargon File definition, expecting the FOLDOC entry whose
 * key (or alias) is the Jargon headword, for pairs whose wordings are independent.
 */
export function jargonQueries(glossary: FoldocGlossary, options: JargonQueryOptions = {}): { queries: LabeledQuery[]; pairs: number; copies: number } {
  const threshold = options.copyThreshold ?? 0.1;
  const byKey = new Map<string, MemorizeInput>();
  for (const e of glossary.entries) byKey.set(lower(e.key), e);
  const queries: LabeledQuery[] = [];
  let pairs = 0;
  let copies = 0;
  for (const j of readDictd(join(options.dictDir ?? DICTD_DIR, 'jargon'))) {
    const head = j.titleLines[0]?.trim();
    if (!head) continue;
    const target = byKey.get(lower(head));
    const text = plainDictText(j.body);
    if (!target || text.length === 0) continue;
    pairs++;
    if (shingleOverlap(text, target.value) >= threshold) {
      copies++;
      continue;
    }
    queries.push({ query: text.slice(0, Limits.maxQueryLength), targetKey: target.key });
  }
  return { queries, pairs, copies };
}

/** Mean reciprocal rank at `k`: `ranks[i]` is the 1-based rank of the right entry, or 0 when it was not in the top k. */
export function meanReciprocalRank(ranks: ArrayLike<number>, k = 10): number {
  if (ranks.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i]!;
    if (r >= 1 && r <= k) sum += 1 / r;
  }
  return sum / ranks.length;
}
