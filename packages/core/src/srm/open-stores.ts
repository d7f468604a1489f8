/**
 * Which SRM stores are open as a memory in this process, per storage backend.
 * A memory keeps its routing layer in RAM; a second memory on the same store
 * would keep another one, blind to the first one's writes (it answered [] and
 * refused every add). So a store is open through one memory at a time.
 */
import { InvalidConfigError } from '../errors.js';
import type { StorageBackend } from '../storage/types.js';

/** Per backend: store name -> the memory holding it. */
const openNames = new WeakMap<StorageBackend, Map<string, object>>();

/**
 * Marks store `name` of `backend` as open by `holder`.
 * @throws InvalidConfigError (field `name`) when a memory of this process already has it open.
 */
export function claimStore(backend: StorageBackend, name: string, holder: object): void {
  let names = openNames.get(backend);
  if (!names) openNames.set(backend, (names = new Map()));
  if (names.has(name)) {
    throw new InvalidConfigError(
      'name',
      `the SRM store ${JSON.stringify(name)} of this ${backend.kind} storage is already open as a memory in this process; use that memory, or close it first`,
    );
  }
  names.set(name, holder);
}

/** Marks store `name` of `backend` as closed again, if `holder` holds it (idempotent: a later holder keeps it). */
export function releaseStore(backend: StorageBackend, name: string, holder: object): void {
  const names = openNames.get(backend);
  if (names?.get(name) === holder) names.delete(name);
}
