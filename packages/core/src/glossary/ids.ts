/**
 * Deterministic glossary ids: UUID5 of `"{agentId}::{key.toLowerCase()}"`
 * under {@link GLOSSARY_NAMESPACE}. The same key in any case gives the same
 * id, so memorize is an upsert and forget needs no search.
 *
 * The name is injective because agent ids may not contain `"::"` nor end with
 * `":"` (see `validation.ts`): the first `"::"` of the name then always ends
 * the agent id, so agent `"a::b"` + key `"c"` and agent `"a"` + key `"b::c"`
 * cannot both exist and cannot collide. Lone UTF-16 surrogates are refused in
 * agent ids and keys for the same reason: UTF-8 would turn them all into
 * U+FFFD before hashing.
 */
import { v5 as uuidv5 } from 'uuid';

/**
 * Namespace of every glossary id: `uuidv5("srm:glossary", uuid.URL)`. Fixed
 * forever: changing it would orphan every stored entry.
 */
export const GLOSSARY_NAMESPACE = '26f0af1b-3a28-5775-b999-1d191231fc40';

/** The UUID5 name of an entry: `"{agentId}::{key.toLowerCase()}"`. */
export function glossaryIdName(agentId: string, key: string): string {
  return `${agentId}::${key.toLowerCase()}`;
}

/** Id of the entry `key` of `agentId`. Inputs must already be validated (see `validation.ts`). */
export function glossaryId(agentId: string, key: string): string {
  return uuidv5(glossaryIdName(agentId, key), GLOSSARY_NAMESPACE);
}
