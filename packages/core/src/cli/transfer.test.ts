/**
 * `srm export` and `srm import`, in-process: exact round trips of both
 * memories, progress on a terminal, and bad files reported line by line
 * with nothing written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SemanticRoutingMemory } from '../srm/memory.js';
import { AGENT, buildMemoryDir, gloveRow, OTHER_AGENT, removeTemps, runCli, SRM_ITEMS, tempDir, withMemories } from '../../test/helpers/cli.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION } from './export-format.js';

afterAll(removeTemps);

describe('srm export and srm import', () => {
  async function exportOf(source: string): Promise<string> {
    const file = join(tempDir(), 'memory.jsonl');
    const r = await runCli(['export', source, '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return file;
  }

  it('round-trips the SRM items exactly: ids, float32 vectors, payloads, and the answers', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, rerank: 'int8' });
    const file = await exportOf(source);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({
      type: 'header',
      format: EXPORT_FORMAT,
      version: EXPORT_FORMAT_VERSION,
      srm: [{ name: 'default', items: SRM_ITEMS }],
      glossary: [],
    });
    expect(header.srm[0].config).toMatchObject({ d: 100, K: 16, rerank: 'int8', maxCandidates: null });
    expect(lines).toHaveLength(1 + SRM_ITEMS);

    const target = join(tempDir(), 'restored');
    const r = await runCli(['import', target, '--in', file, '--batch-size', '400']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`imported ${SRM_ITEMS} SRM items`);

    const q = await gloveRow('river');
    const collect = (path: string) =>
      withMemories(path, async (srm) => {
        const items = new Map<string, { vector: number[] | null; payload: unknown }>();
        for await (const page of srm.items(500)) for (const it of page) items.set(it.id, { vector: it.vector && Array.from(it.vector), payload: it.payload });
        return { items, config: srm.config, hits: await srm.query(q, { k: 10 }), fitted: srm.isFitted };
      });
    const [before, after] = [await collect(source), await collect(target)];
    expect(after.items).toEqual(before.items);
    expect(after.config).toEqual(before.config);
    expect(after.fitted).toBe(true);
    // The codebook is retrained on import; the exact top hit is the same, the list may differ slightly.
    expect(after.hits[0]!.id).toBe(before.hits[0]!.id);
    const overlap = after.hits.filter((h) => before.hits.some((b) => b.id === h.id)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
  });

  it('round-trips the glossary: every field, per agent, and recall', async () => {
    const dir = tempDir();
    await buildMemoryDir(dir, { rerank: 'int8' });
    const file = await exportOf(dir);
    const target = tempDir();
    expect((await runCli(['import', target, '--in', file])).code).toBe(0);
    const snapshot = (path: string) =>
      withMemories(path, async (_, g) => ({
        lists: [await g!.listAll(AGENT), await g!.listAll(OTHER_AGENT)],
        recall: await g!.recall('web token', { agentId: AGENT, topK: 5 }),
      }));
    expect(await snapshot(target)).toEqual(await snapshot(dir));
  });

  it('draws a progress line on a terminal only', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1200, rerank: 'int8' });
    const file = join(tempDir(), 'x.jsonl');
    const tty = await runCli(['export', source, '--out', file], { tty: true });
    expect(tty.stderr).toContain('\r\x1b[Kexport:srm:default');
    expect(tty.stderr).toMatch(/export:srm:default 1200\/1200 \(100%\)\n$/);
    const imported = await runCli(['import', tempDir(), '--in', file, '--batch-size', '500'], { tty: true });
    expect(imported.stderr).toMatch(/import:srm:default 1200\/1200 \(100%\)/);
    const quiet = await runCli(['import', tempDir(), '--in', file]);
    expect(quiet.stderr).toBe('');
  });

  it('round-trips items stored without a vector as "vector": null', async () => {
    const source = tempDir();
    const memory = await SemanticRoutingMemory.open({ path: source, d: 100, autoFitAt: 0 });
    const words = ['river', 'lake', 'ocean'];
    await memory.add([await gloveRow('river'), null, await gloveRow('ocean')], { ids: words, payloads: words.map((w) => ({ w })) });
    await memory.close();
    const file = await exportOf(source);
    expect(readFileSync(file, 'utf8')).toContain('"id":"lake","vector":null,"payload":{"w":"lake"}');
    const target = join(tempDir(), 'restored');
    expect((await runCli(['import', target, '--in', file])).code).toBe(0);
    await withMemories(target, async (srm) => {
      expect(srm.stats()).toMatchObject({ items: 3, withoutVector: 1 });
      expect((await srm.get(['lake']))[0]).toEqual({ id: 'lake', vector: null, payload: { w: 'lake' } });
      expect((await srm.query(await gloveRow('lake'), { k: 3 })).map((h) => h.id).sort()).toEqual(['ocean', 'river']);
    });
  });

  it('reports every bad line by number, and writes nothing', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1000, rerank: 'int8' });
    const good = readFileSync(await exportOf(source), 'utf8')
      .trimEnd()
      .split('\n');
    const header = JSON.parse(good[0]!);
    header.glossary = [{ name: 'glossary', entries: 1 }];
    const line = (i: number) => JSON.parse(good[i]!);
    const lines = [
      JSON.stringify(header),
      ...good.slice(1, 3),
      JSON.stringify({ ...line(3), vector: line(3).vector.slice(1) }), // line 4: 99 numbers
      '{"type":"srm",', // line 5: not JSON
      good[1]!, // line 6: repeats the id of line 2
      JSON.stringify({ ...line(4), store: 'elsewhere' }), // line 7: undeclared store
      JSON.stringify({ type: 'glossary', store: 'glossary', agentId: 'a::b', key: 'K', value: 'v' }), // line 8: bad agentId
      JSON.stringify({ ...line(5), vector: line(5).vector.map((x: number, j: number) => (j === 7 ? 'NaN' : x)) }), // line 9
      ...good.slice(6),
    ];
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const target = join(tempDir(), 'never');
    const r = await runCli(['import', target, '--in', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CorruptDataError: .*6 bad line\(s\); nothing was imported/);
    expect(r.stderr).toMatch(/line 4: vector must be an array of 100 numbers or null, got 99 values/);
    expect(r.stderr).toMatch(/line 5: not valid JSON/);
    expect(r.stderr).toMatch(/line 6: id "[^"]+" of SRM store "default" repeats line 2/);
    expect(r.stderr).toMatch(/line 7: SRM store "elsewhere" is not declared in the header/);
    expect(r.stderr).toMatch(/line 8: .*agentId must not contain "::"/);
    expect(r.stderr).toMatch(/line 9: vector\[7\] must be a number that is finite as a float32/);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses an unknown format version, a missing header and a truncated file', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1000, rerank: 'int8' });
    const good = readFileSync(await exportOf(source), 'utf8')
      .trimEnd()
      .split('\n');
    const write = (content: string) => {
      const f = join(tempDir(), 'f.jsonl');
      writeFileSync(f, content);
      return f;
    };
    const v2 = write([JSON.stringify({ ...JSON.parse(good[0]!), version: 2 }), ...good.slice(1)].join('\n'));
    expect((await runCli(['import', tempDir(), '--in', v2])).stderr).toMatch(/line 1: header version is 2; this build reads version 1/);
    const headless = write(good.slice(1).join('\n'));
    expect((await runCli(['import', tempDir(), '--in', headless])).stderr).toMatch(/line 1: the first line must be the export header/);
    const truncated = write(good.slice(0, 600).join('\n'));
    const r = await runCli(['import', tempDir(), '--in', truncated]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the header declares 1000 items, the file has 599 \(truncated or edited\?\)/);
    expect((await runCli(['import', tempDir(), '--in', write('')])).stderr).toMatch(/the file is empty/);
  });

  it('refuses to import into an SRM store of another dimension, and changes nothing', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1000, rerank: 'int8' });
    const file = await exportOf(source);
    const other = tempDir();
    const memory = await SemanticRoutingMemory.open({ path: other, d: 3 });
    await memory.add([[1, 0, 0]], { ids: ['x'] });
    await memory.close();
    const r = await runCli(['import', other, '--in', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SRM store "default" .* has d=3, metric cosine; the export has d=100/);
    const after = await SemanticRoutingMemory.open({ path: other, d: 3 });
    expect(after.size).toBe(1);
    await after.close();
  });

  it('refuses a value that is finite as a double but not as a float32 (1e39), before writing anything', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1200, rerank: 'int8' });
    const lines = readFileSync(await exportOf(source), 'utf8')
      .trimEnd()
      .split('\n');
    const last = JSON.parse(lines.at(-1)!);
    last.vector[7] = 1e39;
    lines[lines.length - 1] = JSON.stringify(last);
    const file = join(tempDir(), 'huge.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const target = join(tempDir(), 'copy');
    const r = await runCli(['import', target, '--in', file, '--batch-size', '500']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`CorruptDataError: [^]*line ${lines.length}: vector\\[7\\] must be a number that is finite as a float32.*1e\\+39`));
    expect(r.stderr).toContain('nothing was imported');
    expect(existsSync(target)).toBe(false);
  });

  it('upserts into an existing memory of the same shape', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1000, rerank: 'int8' });
    const file = await exportOf(source);
    expect((await runCli(['import', source, '--in', file])).code).toBe(0);
    expect(await withMemories(source, async (srm) => srm.size)).toBe(1000);
  });

  it('rejects bad arguments with exit 2', async () => {
    const cases = [
      ['export', tempDir()],
      ['export', '--out', 'x.jsonl'],
      ['import', tempDir()],
      ['import', tempDir(), '--in', 'x', '--batch-size', '0'],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(`Usage: srm ${argv[0]}`);
    }
    const missing = await runCli(['import', tempDir(), '--in', join(tempDir(), 'absent.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/import file .* does not exist/);
  });
});
