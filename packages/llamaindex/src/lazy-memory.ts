/**
 * The memory behind an `SRMVectorStore`, opened when first needed: an
 * existing memory is found without knowing `d` (it is read from the store),
 * and a new one is created by the first write, with `d` taken from its
 * vectors, as LlamaIndex's own stores do.
 */
import { ClosedError, EmbeddedStorage, InvalidConfigError, Limits, resolveConfig, SemanticRoutingMemory } from '@srm/core';
import type { SRMOptions, StorageBackend } from '@srm/core';

/** Where the memory lives. */
export interface MemorySource {
  /** An existing memory (never closed here). */
  memory?: SemanticRoutingMemory;
  /** Directory of an embedded memory, opened (and closed) here. */
  path?: string;
  /** A backend given by the caller (left open on close). */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. */
  name?: string;
  /** Options of a memory created here. */
  srm?: Partial<SRMOptions>;
}

/** Opens or creates one memory, once, and closes what it opened. */
export class LazyMemory {
  private opened: SemanticRoutingMemory | undefined;
  private ownedStorage: EmbeddedStorage | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly ownsMemory: boolean;

  /** @throws InvalidConfigError for a bad `srm` option (checked now, even before `d` is known). */
  constructor(private readonly source: MemorySource) {
    if (source.srm !== undefined) checkOptions(source.srm);
    this.ownsMemory = source.memory === undefined;
    if (source.memory) this.opened = source.memory;
    else if (!this.persistent && source.srm?.d !== undefined) {
      // An in-memory store with a known d needs no I/O: create it now.
      this.opened = new SemanticRoutingMemory({ ...source.srm, d: source.srm.d });
    }
  }

  /** The memory, when it is open. */
  get current(): SemanticRoutingMemory | undefined {
    return this.opened;
  }

  /** Whether the memory is kept in a backend (so it may exist before this store). */
  private get persistent(): boolean {
    return this.source.path !== undefined || this.source.storage !== undefined;
  }

  /**
   * The memory when it exists: the one already open, or a stored one opened now at its stored `d`.
   * Resolves `undefined` when no memory has been written yet.
   */
  existing(): Promise<SemanticRoutingMemory | undefined> {
    if (this.closed) return Promise.reject(new ClosedError('SRMVectorStore'));
    if (this.opened) return Promise.resolve(this.opened);
    return this.serial(() => this.openStored());
  }

  /** The memory, created with dimension `d` when none exists yet. */
  forWrite(d: number): Promise<SemanticRoutingMemory> {
    if (this.closed) return Promise.reject(new ClosedError('SRMVectorStore'));
    if (this.opened) return Promise.resolve(this.opened);
    return this.serial(async () => {
      const found = await this.openStored();
      if (found) return found;
      const options = { ...this.source.srm, d: this.source.srm?.d ?? d };
      const backend = await this.backend();
      this.opened = backend
        ? await SemanticRoutingMemory.open({ ...options, storage: backend, ...(this.source.name !== undefined ? { name: this.source.name } : {}) })
        : new SemanticRoutingMemory(options);
      return this.opened;
    });
  }

  /** Closes the memory and the directory this store opened; an injected memory or storage stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    if (this.ownsMemory) await this.opened?.close();
    await this.ownedStorage?.close();
  }

  /** Runs `fn` after every earlier open, so that two first uses open one memory. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.closed ? Promise.reject(new ClosedError('SRMVectorStore')) : fn()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async openStored(): Promise<SemanticRoutingMemory | undefined> {
    if (this.opened) return this.opened;
    const backend = await this.backend();
    if (!backend) return undefined;
    const name = this.source.name ?? 'default';
    if ((await backend.describeSrmStore(name)) === undefined) return undefined;
    // Without d the stored one is used; an explicit srm.d that differs is the core's error.
    this.opened = await SemanticRoutingMemory.open({ ...this.source.srm, storage: backend, name });
    return this.opened;
  }

  private async backend(): Promise<StorageBackend | undefined> {
    if (this.source.storage) return this.source.storage;
    if (this.source.path === undefined) return undefined;
    if (!this.ownedStorage) {
      if (typeof this.source.path !== 'string' || this.source.path.length === 0) {
        throw new InvalidConfigError('path', `expected a non-empty string, got ${JSON.stringify(this.source.path)}`);
      }
      this.ownedStorage = await EmbeddedStorage.open(this.source.path);
    }
    return this.ownedStorage;
  }
}

/**
 * Checks the options of a memory to create before its `d` is known. Only `pqSubvectors` depends on
 * `d` (it must divide it), so a stand-in `d` that it divides checks everything else; the real
 * `d` is checked again when the memory is created.
 */
function checkOptions(srm: Partial<SRMOptions>): void {
  if (typeof srm !== 'object' || srm === null) throw new InvalidConfigError('srm', `expected an object of SRMOptions, got ${JSON.stringify(srm)}`);
  if (srm.d !== undefined) {
    resolveConfig(srm as SRMOptions);
    return;
  }
  const p = srm.pqSubvectors;
  const standIn = typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= Limits.maxDimension ? p : 1;
  resolveConfig({ ...srm, d: standIn });
}
