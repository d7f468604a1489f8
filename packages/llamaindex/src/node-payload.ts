/**
 * How a LlamaIndex node is kept in an SRM payload: LlamaIndex's own
 * `nodeToMetadata` layout, the one its Qdrant, Pinecone and Chroma stores use
 * (and LlamaIndex Python reads). The node's metadata sits flat at the top
 * level, so metadata filters address payload fields directly; the rest of the
 * node (text, relationships, excluded keys, hash) is JSON under
 * `_node_content`; `ref_doc_id` names the source document.
 */
import type { BaseNode } from '@llamaindex/core/schema';
import { metadataDictToNode, nodeToMetadata } from '@llamaindex/core/vector-store';
import { InvalidInputError } from '@srm/core';
import type { Payload } from '@srm/core';

/** Payload field holding the id of the node's source document (`"None"` when it has none). */
export const REF_DOC_ID_KEY = 'ref_doc_id';

/** Payload field holding the serialised node (without metadata and embedding). */
export const NODE_CONTENT_KEY = '_node_content';

/** What `nodeToMetadata` writes as the ref doc id of a node without a source document. */
export const NO_REF_DOC = 'None';

/**
 * The id of the node's source document, or `undefined` for a node without one. LlamaIndex
 * writes `"None"` for both "no source" and a document named "None": the node's own SOURCE
 * relationship (TS `SOURCE`, Python `"1"`) tells them apart.
 */
export function refDocOf(payload: Payload): string | undefined {
  const ref = payload[REF_DOC_ID_KEY];
  if (typeof ref !== 'string' || ref.length === 0) return undefined;
  if (ref !== NO_REF_DOC) return ref;
  const source = storedSource(payload);
  return source?.nodeId === NO_REF_DOC || source?.node_id === NO_REF_DOC ? ref : undefined;
}

interface StoredNodeContent {
  hash?: unknown;
  relationships?: Record<string, { nodeId?: unknown; node_id?: unknown; hash?: unknown } | undefined>;
}

function storedContent(payload: Payload): StoredNodeContent | undefined {
  const content = payload[NODE_CONTENT_KEY];
  if (typeof content !== 'string') return undefined;
  try {
    return JSON.parse(content) as StoredNodeContent;
  } catch {
    // Not JSON: not a node this store wrote.
    return undefined;
  }
}

function storedSource(payload: Payload): { nodeId?: unknown; node_id?: unknown; hash?: unknown } | undefined {
  const relationships = storedContent(payload)?.relationships;
  return relationships?.SOURCE ?? relationships?.['1'];
}

/**
 * Which version of which chunk a stored node is: the hash of its source document when it was
 * parsed, and the hash of its own content. `undefined` fields when the node did not record them.
 */
export function storedVersion(payload: Payload): { sourceHash: string | undefined; hash: string | undefined } {
  const content = storedContent(payload);
  const relationships = content?.relationships;
  const sourceHash = (relationships?.SOURCE ?? relationships?.['1'])?.hash;
  return { sourceHash: typeof sourceHash === 'string' ? sourceHash : undefined, hash: typeof content?.hash === 'string' ? content.hash : undefined };
}

/** Payload of `node`: its metadata plus the LlamaIndex bookkeeping fields. The node is not modified. */
export function nodeToPayload(node: BaseNode): Payload {
  // removeText=false: the store keeps the text (storesText = true).
  return nodeToMetadata(node, false, 'text', false) as Payload;
}

/**
 * Rebuilds the node stored in `payload` (a `TextNode`, or an `IndexNode` when one was stored).
 * @throws InvalidInputError when the payload was not written by {@link nodeToPayload}, e.g. an SRM
 *   item added through another API without `_node_content`.
 */
export function payloadToNode(payload: Payload, id: string): BaseNode {
  if (typeof payload[NODE_CONTENT_KEY] !== 'string') {
    throw new InvalidInputError(
      `item "${id}" is not a LlamaIndex node: its payload has no "${NODE_CONTENT_KEY}" string (was it added through SRMVectorStore.add?)`,
    );
  }
  const node = metadataDictToNode(payload);
  // The payload id is authoritative: it is the id the memory returned.
  node.id_ = id;
  return node;
}
