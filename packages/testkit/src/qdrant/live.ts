/**
 * Live-server plumbing of the `*.int.test.ts` files: whether a server is
 * configured, why not, and a backend factory that gives every test its own
 * collection prefix and drops those collections afterwards.
 */
import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import type { BackendFactory } from '../contract/srm-store.js';
import { QdrantStorage } from '@srm/core';

/** `QDRANT_URL`, e.g. `http://localhost:6333`; live tests are skipped without it. */
export const QDRANT_URL = process.env.QDRANT_URL;
/** Optional `QDRANT_API_KEY` for servers that require one. */
export const QDRANT_API_KEY = process.env.QDRANT_API_KEY;

export const SKIP_REASON =
  'QDRANT_URL is not set, so the live Qdrant tests are skipped. To run them: ' +
  'docker run -p 6333:6333 qdrant/qdrant:v1.19.0, then QDRANT_URL=http://localhost:6333 npx vitest run src/storage';

/** Prints why the live suites of `file` are skipped (once per file). */
export function announceSkip(file: string): void {
  if (!QDRANT_URL) console.warn(`[${file}] ${SKIP_REASON}`);
}

/** A prefix unique to this process run, so parallel runs on one server never meet. */
export function runPrefix(tag: string): string {
  return `t${tag}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function liveClient(): QdrantClient {
  return new QdrantClient({ url: QDRANT_URL!, ...(QDRANT_API_KEY ? { apiKey: QDRANT_API_KEY } : {}), checkCompatibility: false });
}

/** Deletes every collection whose name starts with `${prefix}-` or is `${prefix}-srmstate`. */
export async function dropPrefix(prefix: string): Promise<void> {
  const client = liveClient();
  const { collections } = await client.getCollections();
  for (const { name } of collections) {
    if (name.startsWith(`${prefix}-`)) await client.deleteCollection(name);
  }
}

export function connectLive(collectionPrefix: string): Promise<QdrantStorage> {
  return QdrantStorage.connect({ url: QDRANT_URL!, ...(QDRANT_API_KEY ? { apiKey: QDRANT_API_KEY } : {}), collectionPrefix });
}

/** One fresh prefix per test; reopen connects again to it; cleanup drops its collections. */
export function liveFactory(tag: string): BackendFactory {
  const base = runPrefix(tag);
  let n = 0;
  let prefix = '';
  return {
    open() {
      prefix = `${base}_${++n}`;
      return connectLive(prefix);
    },
    reopen: () => connectLive(prefix),
    cleanup: () => dropPrefix(prefix),
  };
}
