/**
 * Documented hard limits. Each is enforced at the public API with a
 * {@link LimitExceededError} that names it; see docs/limits.md.
 */
export const Limits = {
  /** Largest vector dimension `d` a memory accepts. */
  maxDimension: 8192,
  /** Most vectors (or glossary entries) in one `add` / `memorizeMany` call. */
  maxBatchSize: 100_000,
  /** Most live items in one SemanticRoutingMemory (slots are uint32). */
  maxItems: 250_000_000,
  /** Longest id (UTF-16 code units) of an SRM item. */
  maxIdLength: 512,
  /** Largest JSON-serialised payload of one SRM item, in bytes. */
  maxPayloadBytes: 1_000_000,
  /** Longest glossary key or alias, in UTF-16 code units. */
  maxKeyLength: 256,
  /** Longest agentId, in UTF-16 code units. */
  maxAgentIdLength: 256,
  /** Longest glossary value or description, in UTF-16 code units. */
  maxTextLength: 65_536,
  /** Most aliases on one glossary entry. */
  maxAliases: 256,
  /** Longest query text accepted by recall, in UTF-16 code units. */
  maxQueryLength: 65_536,
  /** Largest `k` / `topK` one query may ask for. */
  maxK: 10_000,
} as const;
