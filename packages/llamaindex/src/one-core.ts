/**
 * Detects a second copy of `@llamaindex/core` in the app. Two copies give two
 * `Settings` singletons and two class hierarchies: an embedding model set
 * through `llamaindex` is invisible to this package ("Cannot find Embedding"),
 * and nodes made by one copy are not instances of the other's classes.
 * npm installs a second copy when `llamaindex` pins another core version than
 * the app's; an override makes it one.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type { BaseEmbedding } from '@llamaindex/core/embeddings';
import { BaseEmbedding as OurBaseEmbedding } from '@llamaindex/core/embeddings';
import { Settings } from '@llamaindex/core/global';
import { BaseNode } from '@llamaindex/core/schema';
import { InvalidConfigError } from '@srm/core';

/** The fix, as the error messages give it. */
export const ONE_CORE_FIX =
  'add "overrides": { "@llamaindex/core": "$@llamaindex/core" } to your app\'s package.json (with @llamaindex/core among its dependencies) and reinstall';

/** Whether `value` is an instance of a class named `className` that is not `ours`: a class of another copy. */
function fromAnotherCopy(value: unknown, ours: Function, className: string): boolean {
  // A BaseEmbedding instance is a function (TransformComponent makes its instances callable).
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || value instanceof ours) return false;
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: unknown }).name === className) return true;
  }
  return false;
}

function twoCopies(what: string): InvalidConfigError {
  return new InvalidConfigError('@llamaindex/core', `two copies of @llamaindex/core are loaded: ${what}. Fix: ${ONE_CORE_FIX}`);
}

/**
 * @throws InvalidConfigError when `node` was made by another copy of `@llamaindex/core`.
 */
export function assertNodeOfOurCore(node: unknown, where: string): void {
  if (fromAnotherCopy(node, BaseNode, 'BaseNode')) throw twoCopies(`${where} is a node of the other copy`);
}

/**
 * The embedding model a store uses: `explicit`, else `Settings.embedModel`.
 * @throws InvalidConfigError when `explicit` comes from another copy of `@llamaindex/core`, or when
 *   `Settings.embedModel` is unset here while `llamaindex` resolves another copy (its `Settings`
 *   is the one the app set); LlamaIndex's own error when it is simply unset.
 */
export function resolveEmbedModel(explicit: BaseEmbedding | undefined): BaseEmbedding {
  if (explicit !== undefined) {
    if (fromAnotherCopy(explicit, OurBaseEmbedding, 'BaseEmbedding')) throw twoCopies('the embedModel is an embedding of the other copy');
    return explicit;
  }
  try {
    return Settings.embedModel;
  } catch (err) {
    const other = secondCoreOnDisk(process.cwd());
    if (other) throw twoCopies(`Settings.embedModel is unset in the copy @srm/llamaindex uses (${other.ours}), while llamaindex uses ${other.theirs}`);
    throw err;
  }
}

/** Folder of the `@llamaindex/core` package holding `file`. */
function coreFolder(file: string): string {
  const real = realpathSync(file);
  const marker = `${sep}@llamaindex${sep}core${sep}`;
  const at = real.lastIndexOf(marker);
  return at < 0 ? real : real.slice(0, at + marker.length - 1);
}

/**
 * The two `@llamaindex/core` folders when `llamaindex` and `@srm/llamaindex`, as the app in `appDir`
 * resolves them, load different copies; `undefined` when they share one or either cannot be resolved
 * (e.g. a bundled app).
 */
export function secondCoreOnDisk(appDir: string): { ours: string; theirs: string } | undefined {
  try {
    const fromApp = createRequire(join(appDir, 'noop.js'));
    const ours = coreFolder(createRequire(fromApp.resolve('@srm/llamaindex/package.json')).resolve('@llamaindex/core/global'));
    const theirs = coreFolder(createRequire(fromApp.resolve('llamaindex')).resolve('@llamaindex/core/global'));
    return ours === theirs ? undefined : { ours, theirs };
  } catch {
    // Not resolvable from here: nothing to compare, and LlamaIndex's own error stands.
    return undefined;
  }
}
