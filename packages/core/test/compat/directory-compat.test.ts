/**
 * A memory directory written by an earlier build opens with this one and answers the same: its
 * dense stores (one fitted, one flat, with deletes and upserts) and its glossary. The fixture
 * came from main at fa37d55 (make-fixture.ts); opening a copy migrates the copy, never the fixture.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import { answersOf, D, STORES, type Answers } from './answers.js';

const FIXTURE = fileURLToPath(new URL('./fixture-fa37d55', import.meta.url));

describe('a directory written by main at fa37d55', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srm-compat-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(FIXTURE, 'directory'), dir, { recursive: true });
  const expected = JSON.parse(readFileSync(join(FIXTURE, 'answers.json'), 'utf8')) as Answers;

  it('opens and answers exactly as that build did: every item, every query, the glossary', async () => {
    expect(expected.stores.default!.size).toBe(297);
    expect(await answersOf(core, dir)).toEqual(expected);
  });

  it('passes the deep check once opened, and answers the same again after this build wrote to it', async () => {
    const storage = await core.EmbeddedStorage.open(dir);
    try {
      for (const name of Object.keys(STORES)) {
        const memory = await core.SemanticRoutingMemory.open({ storage, name, d: D });
        try {
          expect(await memory.verify({ deep: true })).toMatchObject({ ok: true, problems: [] });
          // A write by this build, undone: the directory now holds this build's format.
          await memory.add([[1, 0, 0, 0, 0, 0, 0, 0]], { ids: ['compat-probe'] });
          await memory.delete(['compat-probe']);
        } finally {
          await memory.close();
        }
      }
    } finally {
      await storage.close();
    }
    expect(await answersOf(core, dir)).toEqual(expected);
  });
});
