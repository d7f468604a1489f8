/**
 * The Jargon File (Debian's dict-jargon, ~2,300 hacker-slang entries) as glossary
 * entries and as LangChain Documents, for the LangChain examples and notebook.
 * Not an example itself: the other langchain-*.ts files import it.
 */
import { Document } from '@langchain/core/documents';
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import type { DictdEntry } from '@srm/core/datasets';

/** One Jargon File entry, cleaned up for display. */
export interface JargonTerm {
  term: string;
  /** First sense, first sentence. */
  meaning: string;
  /** A little more of the definition. */
  more: string;
  /** Part of speech from the title line (`n.`, `vt.`, ...), or `"jargon"`. */
  kind: string;
}

const POS = /^(?:(?:n|v|vt|vi|adj|adv|interj|pl|excl|prep|conj|imp|pron|suff|pref|abbrev)\.[,\s]*)+/;

function clean(body: string): string {
  let text = body.replace(/\{([^}]*)\}/g, '$1').trim(); // cross-references: {Unix} -> Unix
  // Usage notes ("[very common]"), parts of speech ("n.") and "1." come in any order before the definition.
  for (let before = ''; before !== text; ) {
    before = text;
    text = text
      .replace(/^\[[^\]]*\]\s*/, '')
      .replace(POS, '')
      .replace(/^1\.\s*/, '')
      .trim();
  }
  // A preamble before sense 1 ("The emphatic form is ... 1. To understand.") is skipped.
  const sense1 = /(?:^|\s)1\.\s+(?=\S)/.exec(text);
  if (sense1 && sense1.index < 200)
    text = text
      .slice(sense1.index + sense1[0].length)
      .replace(POS, '')
      .trim();
  return text;
}

/** Splits off the first sentence (not at "e.g." or "esp."). */
function firstSentence(text: string): [string, string] {
  const m = /^(.{12,}?[.!?])\s+(?=[A-Z0-9“"(])/.exec(text);
  return m ? [m[1]!, text.slice(m[0].length)] : [text, ''];
}

function cap(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1).replace(/\s+\S*$/, '')}…`;
}

function toTerm(e: DictdEntry): JargonTerm | undefined {
  const term = e.titleLines[0]?.trim();
  const body = clean(e.body);
  if (!term || body.length < 12) return undefined;
  const [meaning, rest] = firstSentence(body);
  const kind = /(?:^|,\s*|\s)((?:n|vt|vi|v|adj|adv|interj)\.)\s*$/.exec(e.titleLines[1] ?? '')?.[1] ?? 'jargon';
  return { term, meaning: cap(meaning, 240), more: cap(rest, 400), kind };
}

/** Every Jargon File term, one per case-insensitive headword. */
export function jargonTerms(): JargonTerm[] {
  const seen = new Set<string>();
  const out: JargonTerm[] = [];
  for (const e of readDictd(`${DICTD_DIR}/jargon`)) {
    const t = toTerm(e);
    if (!t || seen.has(t.term.toLowerCase())) continue;
    seen.add(t.term.toLowerCase());
    out.push(t);
  }
  return out;
}

/** The terms as glossary entries of one agent. */
export function jargonGlossaryEntries(agentId: string) {
  return jargonTerms().map((t) => ({ key: t.term, value: t.meaning, description: t.more, category: t.kind, agentId }));
}

/** The terms as Documents: the definition as text, the term and kind as metadata. */
export function jargonDocuments(): Document[] {
  return jargonTerms().map(
    (t) =>
      new Document({ id: `jargon:${t.term.toLowerCase()}`, pageContent: `${t.term}: ${t.meaning} ${t.more}`.trim(), metadata: { term: t.term, kind: t.kind } }),
  );
}
