/** `srm export`: both memories of a directory to one JSONL file. */
import type { SemanticMemory } from '../../glossary/semantic-memory.js';
import type { SemanticRoutingMemory } from '../../srm/memory.js';
import { parseCommand, requireString } from '../args.js';
import { openDirectory, openGlossary, openSrm } from '../directory.js';
import { openExportSink } from '../export-target.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, exportConfig, glossaryLineText, srmLineText, type ExportHeader } from '../export-format.js';
import { ProgressLine, type CliIo } from '../io.js';
import { EXPORT_USAGE } from '../usage.js';

const PAGE = 1000;
/** Characters buffered before a write to the destination. */
const FLUSH_AT = 1 << 20;

export async function exportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, { out: { type: 'string' } }, EXPORT_USAGE, { min: 1, max: 1 });
  if (args.help) {
    io.stdout(EXPORT_USAGE);
    return 0;
  }
  const out = requireString(args, 'out', EXPORT_USAGE);
  const storage = await openDirectory(args.positionals[0]!, { create: false });
  const srms: { name: string; memory: SemanticRoutingMemory }[] = [];
  const glossaries: { name: string; memory: SemanticMemory }[] = [];
  const progress = new ProgressLine(io);
  try {
    const stores = await storage.listStores();
    for (const name of stores.srm) srms.push({ name, memory: await openSrm(storage, name) });
    for (const name of stores.glossary) {
      const memory = await openGlossary(storage, name);
      glossaries.push({ name, memory });
    }
    const header: ExportHeader = {
      type: 'header',
      format: EXPORT_FORMAT,
      version: EXPORT_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      srm: srms.map(({ name, memory }) => ({ name, items: memory.size, config: exportConfig(memory.config) })),
      glossary: await Promise.all(glossaries.map(async ({ name, memory }) => ({ name, entries: (await memory.store.termStats([])).docCount }))),
    };

    const sink = await openExportSink(out, io);
    let buffer = '';
    const emit = async (line: string) => {
      buffer += line + '\n';
      if (buffer.length >= FLUSH_AT) {
        await sink.write(buffer);
        buffer = '';
      }
    };
    const counts = { srm: 0, glossary: 0 };
    try {
      await emit(JSON.stringify(header));
      for (const [i, { name, memory }] of srms.entries()) {
        const total = header.srm[i]!.items;
        let done = 0;
        for await (const page of memory.items(PAGE)) {
          for (const item of page) await emit(srmLineText(name, item.id, item.vector, item.payload));
          done += page.length;
          progress.onProgress({ phase: `export:srm:${name}`, done, total });
        }
        counts.srm += done;
      }
      for (const [i, { name, memory }] of glossaries.entries()) {
        const total = header.glossary[i]!.entries;
        let done = 0;
        for await (const page of memory.store.scanAll!(PAGE)) {
          for (const e of page) await emit(glossaryLineText(name, e));
          done += page.length;
          progress.onProgress({ phase: `export:glossary:${name}`, done, total });
        }
        counts.glossary += done;
      }
      await sink.write(buffer);
      await sink.commit();
    } catch (err) {
      await sink.abort();
      throw err;
    } finally {
      progress.finish();
    }
    // With --out -, stdout carries the data only; the summary goes to stderr.
    const summary = `exported ${counts.srm} SRM items (${srms.length} store(s)) and ${counts.glossary} glossary entries (${glossaries.length} store(s)) to ${sink.name}\n`;
    if (sink.toStdout) io.stderr(summary);
    else io.stdout(summary);
    return 0;
  } finally {
    for (const { memory } of [...srms, ...glossaries]) await memory.close();
    await storage.close();
  }
}
