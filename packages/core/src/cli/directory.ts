/**
 * Opening a memory directory the way an application made it: one embedded
 * backend (`<dir>/memory.sqlite`) shared by both memories, because a
 * directory can be open only once per process. An app that called
 * `SemanticRoutingMemory.open({ path })` has an SRM store named `"default"`;
 * `SemanticMemory.open({ path })` has a glossary store named `"glossary"`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { SemanticMemory } from '../glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../srm/memory.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { DATABASE_FILE } from '../storage/embedded/sqlite.js';
import type { SRMItemStoreSpec, StorageBackend } from '../storage/types.js';

/** Store name `SemanticRoutingMemory.open` uses when none is given. */
export const DEFAULT_SRM_NAME = 'default';
/** Store name `SemanticMemory.open` uses when none is given. */
export const DEFAULT_GLOSSARY_NAME = 'glossary';

/**
 * Checks that `dir` holds a memory (a `memory.sqlite`), without opening it.
 * @throws InvalidInputError naming the directory.
 */
export function assertMemoryDirectory(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new InvalidInputError(`memory directory "${abs}" does not exist`);
  if (!statSync(abs).isDirectory()) throw new InvalidInputError(`"${abs}" is not a directory; expected a memory directory`);
  if (!existsSync(join(abs, DATABASE_FILE))) throw new InvalidInputError(`"${abs}" is not a memory directory: it has no ${DATABASE_FILE}`);
  return abs;
}

/**
 * Opens the embedded backend of `dir`. Without `create`, a directory that
 * holds no memory is an error, and nothing is created (a typo must not leave
 * an empty memory behind).
 */
export async function openDirectory(dir: string, opts: { create: boolean }): Promise<EmbeddedStorage> {
  return EmbeddedStorage.open(opts.create ? resolve(dir) : assertMemoryDirectory(dir));
}

/**
 * The spec (dimension, metric) an SRM store was created with, or undefined
 * when the backend has no store of that name.
 */
export async function describeSrm(storage: StorageBackend, name: string): Promise<SRMItemStoreSpec | undefined> {
  const { srm } = await storage.listStores();
  if (!srm.includes(name)) return undefined;
  return storage.describeSrmStore(name);
}

/** What a store lookup names when it fails: the stores that do exist, so the user can pick one. */
function existing(kind: string, names: readonly string[], option: string): string {
  return names.length === 0
    ? `${kind} (the directory has none)`
    : `${kind} (the directory has ${names.map((n) => JSON.stringify(n)).join(', ')}; choose one with ${option})`;
}

/** Opens the existing SRM store `name` as a memory, with its stored configuration. */
export async function openSrm(storage: StorageBackend, name: string): Promise<SemanticRoutingMemory> {
  const spec = await describeSrm(storage, name);
  if (!spec) throw new NotFoundError(existing(`SRM store in ${storage.kind} storage`, (await storage.listStores()).srm, '--name'), [name]);
  return SemanticRoutingMemory.open({ storage, name, d: spec.dim, metric: spec.metric });
}

/** Opens the existing glossary store `name` (never creates one). */
export async function openGlossary(storage: StorageBackend, name: string, tokenizerPath?: string): Promise<SemanticMemory> {
  const { glossary } = await storage.listStores();
  if (!glossary.includes(name)) throw new NotFoundError(existing(`glossary store in ${storage.kind} storage`, glossary, '--glossary-name'), [name]);
  return SemanticMemory.open({ storage, name, ...(tokenizerPath !== undefined ? { tokenizerPath } : {}) });
}
