/**
 * A user's app with two copies of @llamaindex/core: copied into a temporary
 * app directory whose `llamaindex` loads its own copy, it sets
 * `Settings.embedModel` through `llamaindex`, as the docs say, and then
 * builds an SRMVectorStore (whose entry point is SRM_LLAMAINDEX_ENTRY).
 * Prints one JSON line: what the construction threw, or that it worked.
 */
import { BaseEmbedding, Settings } from 'llamaindex';

class AppEmbedding extends BaseEmbedding {
  constructor() {
    super();
  }

  override async getTextEmbedding(text: string): Promise<number[]> {
    return [text.length, 1];
  }
}

Settings.embedModel = new AppEmbedding();
const { SRMVectorStore } = (await import(process.env.SRM_LLAMAINDEX_ENTRY!)) as typeof import('../../src/index.js');
try {
  const store = new SRMVectorStore();
  await store.close();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as Error & { code?: string; field?: string };
  console.log(JSON.stringify({ ok: false, name: e.name, code: e.code, field: e.field, message: e.message }));
}
