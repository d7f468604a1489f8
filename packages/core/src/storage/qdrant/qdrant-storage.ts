/**
 * The Qdrant storage backend: one collection per store, created on first
 * open and checked on every later open.
 */
import { InvalidConfigError, InvalidInputError } from '../../errors.js';
import { Limits } from '../../limits.js';
import type { StorageBackend, SRMItemStoreSpec } from '../types.js';
import {
  checkStoreName,
  ensureCollection,
  glossaryBlueprint,
  srmBlueprint,
  srmCollectionName,
  srmStateBlueprint,
  storeNamesOf,
  type CollectionBlueprint,
} from './collections.js';
import { QdrantConnection } from './connection.js';
import { QdrantGlossaryStore } from './glossary-store.js';
import { resolveQdrantOptions, type QdrantStorageOptions } from './options.js';
import { SrmStateStore } from './srm-state.js';
import { QdrantItemStore } from './srm-store.js';

/**
 * Storage backend on a Qdrant server or cluster, for memories that outgrow
 * one machine. Both memories run on it unchanged: pass it as `storage`.
 *
 * @example
 * ```ts
 * const storage = await QdrantStorage.connect({ url: 'http://localhost:6333', collectionPrefix: 'myapp' });
 * const srm = await storage.openSrmStore({ name: 'docs', dim: 384, metric: 'cosine' });
 * const glossary = await storage.openGlossaryStore('default');
 * // ...
 * await storage.close();
 * ```
 */
export class QdrantStorage implements StorageBackend {
  readonly kind = 'qdrant';
  private readonly conn: QdrantConnection;
  /** One-time setup per collection, shared by concurrent opens. */
  private readonly ensured = new Map<string, Promise<void>>();

  private constructor(conn: QdrantConnection) {
    this.conn = conn;
  }

  /**
   * Connects and checks that the server answers (one `GET /collections`).
   * Throws {@link InvalidConfigError} for bad options and
   * {@link StorageUnavailableError} (operation `"connect"`) when the server
   * cannot be reached after the configured retries.
   */
  static async connect(options: QdrantStorageOptions): Promise<QdrantStorage> {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidInputError(`QdrantStorage.connect expects an options object, got ${options === null ? 'null' : typeof options}`);
    }
    const conn = await QdrantConnection.open(resolveQdrantOptions(options));
    await conn.call('connect', undefined, (c) => c.getCollections());
    return new QdrantStorage(conn);
  }

  /** The collection prefix in use. */
  get collectionPrefix(): string {
    return this.conn.options.collectionPrefix;
  }

  async openSrmStore(spec: SRMItemStoreSpec): Promise<QdrantItemStore> {
    checkSpec(spec);
    this.conn.assertOpen('Qdrant storage');
    const { collectionPrefix: prefix, collectionSettings } = this.conn.options;
    const bp = srmBlueprint(prefix, spec, collectionSettings);
    const stateBp = srmStateBlueprint(prefix, collectionSettings);
    await this.ensure(stateBp);
    await this.ensure(bp);
    const meta = new SrmStateStore(this.conn, stateBp.name, spec.name);
    await meta.ensureSpec(spec);
    return new QdrantItemStore(this.conn, spec, bp.name, meta);
  }

  async openGlossaryStore(name: string): Promise<QdrantGlossaryStore> {
    checkStoreName(name, 'glossary');
    this.conn.assertOpen('Qdrant storage');
    const bp = glossaryBlueprint(this.conn.options.collectionPrefix, name, this.conn.options.collectionSettings);
    await this.ensure(bp);
    return new QdrantGlossaryStore(this.conn, name, bp.name);
  }

  async listStores(): Promise<{ srm: string[]; glossary: string[] }> {
    this.conn.assertOpen('Qdrant storage');
    const res = await this.conn.call('list_collections', undefined, (c) => c.getCollections());
    const names = res.collections.map((c) => c.name);
    const prefix = this.conn.options.collectionPrefix;
    return { srm: storeNamesOf(names, prefix, 'srm'), glossary: storeNamesOf(names, prefix, 'glossary') };
  }

  /**
   * The spec of an existing SRM store (recorded when it was created), or
   * `undefined` when there is no such store. Lets a migration open a store
   * knowing only its name.
   */
  async describeSrmStore(name: string): Promise<SRMItemStoreSpec | undefined> {
    checkStoreName(name, 'srm');
    this.conn.assertOpen('Qdrant storage');
    const prefix = this.conn.options.collectionPrefix;
    const collection = srmCollectionName(prefix, name);
    const { exists } = await this.conn.call('collection_exists', collection, (c) => c.collectionExists(collection));
    if (!exists) return undefined;
    const stateBp = srmStateBlueprint(prefix, this.conn.options.collectionSettings);
    await this.ensure(stateBp);
    return new SrmStateStore(this.conn, stateBp.name, name).readSpec();
  }

  /**
   * Deletes the collections of the named stores (and their SRM states). For
   * tests and tear-downs; the data is gone.
   */
  async dropStores(stores: { srm?: readonly string[]; glossary?: readonly string[] }): Promise<void> {
    this.conn.assertOpen('Qdrant storage');
    const prefix = this.conn.options.collectionPrefix;
    for (const name of stores.srm ?? []) {
      checkStoreName(name, 'srm');
      const stateBp = srmStateBlueprint(prefix, this.conn.options.collectionSettings);
      await this.ensure(stateBp);
      await new SrmStateStore(this.conn, stateBp.name, name).drop();
      await this.drop(srmCollectionName(prefix, name));
    }
    for (const name of stores.glossary ?? []) {
      checkStoreName(name, 'glossary');
      await this.drop(glossaryBlueprint(prefix, name, {}).name);
    }
  }

  /** Marks the backend closed; later calls throw {@link ClosedError}. The REST client holds no resource to free. */
  async close(): Promise<void> {
    this.conn.close();
  }

  private async drop(collection: string): Promise<void> {
    this.ensured.delete(collection);
    const { exists } = await this.conn.call('collection_exists', collection, (c) => c.collectionExists(collection));
    if (exists) await this.conn.call('delete_collection', collection, (c) => c.deleteCollection(collection));
  }

  private ensure(bp: CollectionBlueprint): Promise<void> {
    let p = this.ensured.get(bp.name);
    if (!p) {
      p = ensureCollection(this.conn, bp);
      this.ensured.set(bp.name, p);
      // A failed setup is retried by the next open instead of being cached.
      p.catch(() => this.ensured.delete(bp.name));
    }
    return p;
  }
}

function checkSpec(spec: SRMItemStoreSpec): void {
  if (typeof spec !== 'object' || spec === null)
    throw new InvalidInputError(`openSrmStore expects { name, dim, metric }, got ${spec === null ? 'null' : typeof spec}`);
  checkStoreName(spec.name, 'srm');
  if (!Number.isInteger(spec.dim) || spec.dim < 1 || spec.dim > Limits.maxDimension) {
    throw new InvalidConfigError('dim', `expected an integer in [1, ${Limits.maxDimension}], got ${String(spec.dim)}`);
  }
  if (spec.metric !== 'cosine' && spec.metric !== 'dot')
    throw new InvalidConfigError('metric', `expected "cosine" or "dot", got ${JSON.stringify(spec.metric)}`);
}
