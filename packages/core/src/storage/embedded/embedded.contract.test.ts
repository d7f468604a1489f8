/**
 * Runs the storage backend contract (both halves) against the embedded backend
 * on a fresh temporary directory per test, with reopen for the persistence tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glossaryStoreContract } from '@srm/testkit/contract/glossary-store';
import { srmStoreContract, type BackendFactory } from '@srm/testkit/contract/srm-store';
import { EmbeddedStorage } from './embedded-storage.js';

function tempDirFactory(): BackendFactory {
  let dir: string | undefined;
  return {
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'srm-contract-'));
      return EmbeddedStorage.open(dir);
    },
    async reopen() {
      if (dir === undefined) throw new Error('reopen() called before open()');
      return EmbeddedStorage.open(dir);
    },
    async cleanup() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

srmStoreContract('embedded', tempDirFactory());
glossaryStoreContract('embedded', tempDirFactory());

// The in-memory backend has no reopen: it runs the rest of the contract.
srmStoreContract('embedded in-memory', {
  open: async () => EmbeddedStorage.inMemory(),
  cleanup: async () => {},
});
