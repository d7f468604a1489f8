/**
 * `@qdrant/js-client-rest` is loaded by the first `QdrantStorage.connect`, not when
 * `@srm/core` is imported. With its HTTP stack it is the largest part of the library's import
 * cost, and a memory on the embedded default never sends a request.
 */
import type * as QdrantClientModuleNamespace from '@qdrant/js-client-rest';

/** The REST client package's exports. */
export type QdrantClientModule = typeof QdrantClientModuleNamespace;

let loading: Promise<QdrantClientModule> | undefined;

/** The client package, imported once per process; a failed import is retried on the next call. */
export function loadQdrantClientModule(): Promise<QdrantClientModule> {
  loading ??= import('@qdrant/js-client-rest').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
