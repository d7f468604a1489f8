/**
 * LangGraph namespaces (`["users", "alice", "memories"]`) as SRM sees them.
 *
 * A namespace is encoded as the JSON text of its label array. JSON quotes and
 * escapes every label, so no choice of labels (":" or "/" or "\"" inside a
 * label, labels that look like paths) can make two different namespaces, or a
 * namespace and a prefix of another, encode to the same string. LangGraph's own
 * InMemoryStore joins labels with ":" and so confuses `["a:b"]` with `["a", "b"]`.
 */
import type { MatchCondition } from '@langchain/langgraph-checkpoint';
import { SRMInvalidNamespaceError } from './namespace-error.js';

/** Longest namespace label, in UTF-16 code units. */
export const MAX_LABEL_LENGTH = 256;
/** Most labels in one namespace. */
export const MAX_NAMESPACE_DEPTH = 32;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x) ?? String(x)}`;
}

/**
 * Checks a namespace that items are written to, with LangGraph's rules
 * (non-empty, string labels, no ".", no empty label, root not "langgraph")
 * plus our length limits.
 * @throws SRMInvalidNamespaceError (LangGraph's InvalidNamespaceError, also an InvalidInputError) naming the namespace and the rule.
 */
export function validateWriteNamespace(namespace: unknown): asserts namespace is string[] {
  validateNamespacePath(namespace, 'namespace');
  if (namespace.length === 0) throw new SRMInvalidNamespaceError('namespace must have at least one label, got []');
  for (const label of namespace) {
    if (label.length === 0) throw new SRMInvalidNamespaceError(`namespace ${JSON.stringify(namespace)} has an empty label`);
    if (label.includes('.')) {
      throw new SRMInvalidNamespaceError(`namespace label ${JSON.stringify(label)} contains ".", which LangGraph reserves`);
    }
  }
  if (namespace[0] === 'langgraph') throw new SRMInvalidNamespaceError('namespace root label "langgraph" is reserved by LangGraph');
}

/**
 * Checks a namespace path used to read (a `get` namespace, a search prefix, a
 * match condition): an array of at most {@link MAX_NAMESPACE_DEPTH} strings.
 * @throws SRMInvalidNamespaceError (LangGraph's InvalidNamespaceError, also an InvalidInputError) naming what came instead.
 */
export function validateNamespacePath(path: unknown, what: string): asserts path is string[] {
  if (!Array.isArray(path)) throw new SRMInvalidNamespaceError(`${what} must be an array of strings, got ${describe(path)}`);
  if (path.length > MAX_NAMESPACE_DEPTH) {
    throw new SRMInvalidNamespaceError(`${what} has ${path.length} labels, the maximum is ${MAX_NAMESPACE_DEPTH}`);
  }
  path.forEach((label, i) => {
    if (typeof label !== 'string') throw new SRMInvalidNamespaceError(`${what}[${i}] must be a string, got ${describe(label)}`);
    if (label.length > MAX_LABEL_LENGTH) {
      throw new SRMInvalidNamespaceError(`${what}[${i}] has ${label.length} characters, the maximum is ${MAX_LABEL_LENGTH}`);
    }
  });
}

/** The canonical, collision-free encoding of a namespace (or of a prefix). */
export function encodeNamespace(namespace: readonly string[]): string {
  return JSON.stringify(namespace);
}

/** Inverse of {@link encodeNamespace}. */
export function decodeNamespace(encoded: string): string[] {
  return JSON.parse(encoded) as string[];
}

/**
 * Encodings of every non-empty prefix of `namespace`, shortest first. Stored
 * with each item, so "is under prefix P" is one `contains` condition.
 */
export function namespacePrefixes(namespace: readonly string[]): string[] {
  return namespace.map((_, i) => encodeNamespace(namespace.slice(0, i + 1)));
}

/** True when `namespace` satisfies a LangGraph match condition (`"*"` matches any one label). */
export function matchesCondition(namespace: readonly string[], condition: MatchCondition): boolean {
  const { path, matchType } = condition;
  if (path.length > namespace.length) return false;
  const offset = matchType === 'prefix' ? 0 : namespace.length - path.length;
  return path.every((label, i) => label === '*' || label === namespace[offset + i]);
}

/** Orders namespaces label by label (code units), shorter first on a tie. */
export function compareNamespaces(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}
