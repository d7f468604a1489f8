/**
 * `SemanticRoutingMemory.open({ durability })` is passed to the embedded store it opens at
 * `path`, and refused where no store of this call could keep it (a given `storage`, no `path`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { SemanticRoutingMemory } from './memory.js';

const tempDir = tempDirs('srm-durability-');

describe('SemanticRoutingMemory.open durability', () => {
  it('opens the embedded store with durability "power", and the memory keeps its writes across a reopen', async () => {
    const path = tempDir();
    const memory = await SemanticRoutingMemory.open({ path, d: 3, durability: 'power' });
    await memory.add([Float32Array.of(1, 0, 0)], { ids: ['a'] });
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path, durability: 'power' });
    expect(await reopened.has('a')).toBe(true);
    await reopened.close();
  });

  it('hands the value to the embedded store, which refuses an unknown one before creating anything', async () => {
    const path = join(tempDir(), 'not-yet');
    await expect(SemanticRoutingMemory.open({ path, d: 3, durability: 'disk' as never })).rejects.toThrow(InvalidConfigError);
    await expect(SemanticRoutingMemory.open({ path, d: 3, durability: 'disk' as never })).rejects.toThrow(/durability/);
    expect(existsSync(path)).toBe(false);
  });

  it('is refused with a given storage, whose own options decide, and the storage stays usable', async () => {
    const storage = EmbeddedStorage.inMemory();
    await expect(SemanticRoutingMemory.open({ storage, d: 3, durability: 'power' })).rejects.toThrow(InvalidConfigError);
    const memory = await SemanticRoutingMemory.open({ storage, d: 3 });
    await memory.add([Float32Array.of(0, 1, 0)], { ids: ['b'] });
    expect(memory.size).toBe(1);
    await memory.close();
    await storage.close();
  });

  it('is refused for a memory without path, which keeps nothing on disk', async () => {
    await expect(SemanticRoutingMemory.open({ d: 3, durability: 'process' })).rejects.toThrow(InvalidConfigError);
  });
});
