/**
 * Which SRM stores are open as a memory in this process, per storage backend.
 * A memory keeps its routing layer in RAM; a second memory on the same store
 * would keep another one, blind to the first one's writes (it answered [] and
 * refused every add). So a store is open through one memory at a time.
 */
import { InvalidConfigError } from '../errors.js';
import type { StorageBackend } from '../storage/types.js';

const openNames = new WeakMap<StorageBackend, Set<string>>();

/**
 * Marks store `name` of `backend` as open.
 * @throws InvalidConfigError (field `name`) when a memory of this process already has it open.
 */
export function claimStore(backend: StorageBackend, name: string): void {
  let names = openNames.get(backend);
  if (!names) openNames.set(backend, (names = new Set()));
  if (names.has(name)) {
    throw new InvalidConfigError(
      'name',
      `the SRM store ${JSON.stringify(name)} of this ${backend.kind} storage is already open as a memory in this process; use that memory, or close it first`,
    );
  }
  names.add(name);
}

/** Marks store `name` of `backend` as closed again (idempotent). */
export function releaseStore(backend: StorageBackend, name: string): void {
  openNames.get(backend)?.delete(name);
}
