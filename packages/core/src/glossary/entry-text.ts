/**
 * How a recalled glossary entry reads as text for an LLM, the same in every
 * framework adapter: `"JWT: JSON Web Token. A signed token that carries claims."`.
 */
import type { RecalledEntry } from './semantic-memory.js';

/** Options of {@link formatGlossaryEntry}. */
export interface GlossaryEntryTextOptions {
  /**
   * End the text with a full stop where it does not already end a sentence. Default true
   * (`"k8s: Kubernetes."`); false leaves the last part as written (`"k8s: Kubernetes"`).
   * A full stop between the value and the description is added either way.
   */
  finalStop?: boolean;
}

/** Ends a sentence already: `.`, `!`, `?`, `…`, `:` or `;`, optionally followed by a closing quote or bracket. */
const ENDS_SENTENCE = /[.!?…:;]["')\]]?$/u;

/** `text` trimmed, with a full stop appended unless it is empty or already ends a sentence. */
function sentence(text: string): string {
  const t = text.trim();
  return t.length === 0 || ENDS_SENTENCE.test(t) ? t : `${t}.`;
}

/**
 * The key, its value, then the description if it is not blank:
 * `"JWT: JSON Web Token. A signed token."`. Value and description are trimmed; a full
 * stop separates them unless the value already ends a sentence (`"RTFM: Read it! Said to askers."`).
 *
 * @example
 * ```ts
 * formatGlossaryEntry({ key: 'JWT', value: 'JSON Web Token', description: 'A signed token' });
 * // 'JWT: JSON Web Token. A signed token.'
 * formatGlossaryEntry({ key: 'k8s', value: 'Kubernetes', description: '' }, { finalStop: false });
 * // 'k8s: Kubernetes'
 * ```
 */
export function formatGlossaryEntry(entry: Pick<RecalledEntry, 'key' | 'value' | 'description'>, options: GlossaryEntryTextOptions = {}): string {
  const finalStop = options.finalStop ?? true;
  const value = entry.value.trim();
  const description = entry.description.trim();
  if (description.length === 0) return `${entry.key}: ${finalStop ? sentence(value) : value}`;
  return `${entry.key}: ${sentence(value)} ${finalStop ? sentence(description) : description}`;
}
