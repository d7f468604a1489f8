/**
 * The shared storage contract (both halves) run offline against the Qdrant
 * emulator, with every request validated against Qdrant's OpenAPI
 * description. It checks the backend's logic and wire format; the same suites
 * run against a real server in `qdrant.int.test.ts` when QDRANT_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glossaryStoreContract } from '@srm/testkit/contract/glossary-store';
import { srmStoreContract, type BackendFactory } from '@srm/testkit/contract/srm-store';
import { QdrantStorage } from './qdrant-storage.js';
import { startValidatingEmulator } from '@srm/testkit/qdrant/fixtures';
import type { QdrantEmulator } from '@srm/testkit/qdrant/emulator';

let emu: QdrantEmulator;
beforeAll(async () => {
  emu = await startValidatingEmulator();
});
afterAll(async () => {
  await emu.close();
});

/** A fresh collection prefix per test on the shared emulator; reopen connects again to the same prefix. */
function emulatorFactory(kind: string): BackendFactory {
  let n = 0;
  let prefix = '';
  const connect = () => QdrantStorage.connect({ url: emu.url, collectionPrefix: prefix, retries: 0 });
  return {
    open() {
      prefix = `${kind}${++n}`;
      return connect();
    },
    reopen: connect,
    async cleanup() {},
  };
}

srmStoreContract('qdrant (emulated)', emulatorFactory('srm'));
glossaryStoreContract('qdrant (emulated)', emulatorFactory('glossary'));

describe('wire format of the contract run', () => {
  it('sent only requests that validate against openapi.json', () => {
    expect(emu.requests.length).toBeGreaterThan(100);
    expect(emu.violations).toEqual([]);
  });
});
