/**
 * `@qdrant/js-client-rest` is loaded by the first `QdrantStorage.connect`, not when
 * `@srm/core` is imported. With its HTTP stack it is the largest part of the library's import
 * cost, and a memory on the embedded default never sends a request.
 */
import type * as QdrantClientModuleNamespace from '@qdrant/js-client-rest';
import { StorageUnavailableError } from '../../errors.js';

/** The REST client package's exports. */
export type QdrantClientModule = typeof QdrantClientModuleNamespace;

const CLIENT_PACKAGE = '@qdrant/js-client-rest';
/** The client release documented for Node 20 (1.19 and later need Node 22). */
const CLIENT_INSTALL = `npm install --save-exact ${CLIENT_PACKAGE}@1.18.0`;

let loading: Promise<QdrantClientModule> | undefined;

/**
 * The client package, imported once per process; a failed import is retried on the next call.
 * It is an optional peer dependency of `@srm/core`, so apps on the embedded default never install it.
 *
 * @throws StorageUnavailableError naming the package and the install command when it is not installed.
 */
export function loadQdrantClientModule(): Promise<QdrantClientModule> {
  loading ??= import('@qdrant/js-client-rest').catch((err: unknown) => {
    loading = undefined;
    if (!isMissingClientPackage(err)) throw err;
    throw new StorageUnavailableError(
      'connect',
      undefined,
      `the Qdrant backend needs the optional package ${CLIENT_PACKAGE}, which is not installed; install it next to @srm/core: ${CLIENT_INSTALL}`,
      { cause: err },
    );
  });
  return loading;
}

/** True when the import failed because the client package itself cannot be found (not one of its dependencies). */
function isMissingClientPackage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${CLIENT_PACKAGE}'`);
}
