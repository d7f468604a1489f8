/**
 * `srm import`: a JSONL export into a memory directory. Two passes over the
 * file: the first checks every line (and reports bad ones by line number)
 * without touching the directory; the second writes in batches.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CorruptDataError, InvalidInputError } from '../../errors.js';
import { glossaryId } from '../../glossary/ids.js';
import { SemanticMemory } from '../../glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../../srm/memory.js';
import type { EmbeddedStorage } from '../../storage/embedded/embedded-storage.js';
import type { Payload, StoredGlossaryEntry } from '../../storage/types.js';
import { Limits } from '../../limits.js';
import { optionalInt, optionalString, parseCommand, requireString } from '../args.js';
import { describeSrm, openDirectory, openSrm } from '../directory.js';
import { BadLine, importOptions, parseDataLine, parseHeader, type ExportHeader, type GlossaryLine, type SrmLine } from '../export-format.js';
import { ProgressLine, type CliIo } from '../io.js';
import { IMPORT_USAGE } from '../usage.js';

/** Bad lines listed in the error message; the total is always given. */
const MAX_REPORTED = 20;

export async function importCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, { in: { type: 'string' }, 'batch-size': { type: 'string' }, tokenizer: { type: 'string' } }, IMPORT_USAGE, {
    min: 1,
    max: 1,
  });
  if (args.help) {
    io.stdout(IMPORT_USAGE);
    return 0;
  }
  const file = resolve(requireString(args, 'in', IMPORT_USAGE));
  const batchSize = optionalInt(args, 'batch-size', IMPORT_USAGE, { min: 1, max: Limits.maxBatchSize }) ?? 1000;
  if (!existsSync(file) || !statSync(file).isFile()) throw new InvalidInputError(`import file "${file}" does not exist or is not a file`);

  const header = await checkFile(file);
  const storage = await openDirectory(args.positionals[0]!, { create: true });
  const progress = new ProgressLine(io);
  try {
    await checkCompatible(storage, header);
    const counts = await write(file, header, storage, { batchSize, tokenizerPath: optionalString(args, 'tokenizer'), progress });
    io.stdout(
      `imported ${counts.srm} SRM items (${header.srm.length} store(s)) and ${counts.glossary} glossary entries (${header.glossary.length} store(s)) into ${storage.path}\n`,
    );
    return 0;
  } finally {
    progress.finish();
    await storage.close();
  }
}

async function* lines(file: string): AsyncGenerator<{ text: string; lineNo: number }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of rl) {
    lineNo++;
    if (lineNo > 1 && text.trim() === '') continue;
    yield { text, lineNo };
  }
}

/** Pass 1: the header, every line, and the per-store counts the header declares. */
async function checkFile(file: string): Promise<ExportHeader> {
  let header: ExportHeader | undefined;
  const bad: string[] = [];
  let badCount = 0;
  const seen = new Map<string, number>();
  const counts = new Map<string, number>();
  for await (const { text, lineNo } of lines(file)) {
    try {
      if (lineNo === 1) {
        header = parseHeader(text);
        continue;
      }
      const rec = parseDataLine(text, header!, seen, lineNo);
      const key = `${rec.type}\u0000${rec.store}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      if (lineNo === 1) throw new CorruptDataError(file, `line 1: ${err.message}`);
      badCount++;
      if (bad.length < MAX_REPORTED) bad.push(`line ${lineNo}: ${err.message}`);
    }
  }
  if (!header) throw new CorruptDataError(file, 'the file is empty; expected an export header on line 1');
  if (badCount > 0) {
    const more = badCount > bad.length ? `\n  ... and ${badCount - bad.length} more` : '';
    throw new CorruptDataError(file, `${badCount} bad line(s); nothing was imported:\n  ${bad.join('\n  ')}${more}`);
  }
  const mismatches: string[] = [];
  for (const s of header.srm) {
    const got = counts.get(`srm\u0000${s.name}`) ?? 0;
    if (got !== s.items) mismatches.push(`SRM store "${s.name}": the header declares ${s.items} items, the file has ${got}`);
  }
  for (const g of header.glossary) {
    const got = counts.get(`glossary\u0000${g.name}`) ?? 0;
    if (got !== g.entries) mismatches.push(`glossary store "${g.name}": the header declares ${g.entries} entries, the file has ${got}`);
  }
  if (mismatches.length > 0) throw new CorruptDataError(file, `${mismatches.join('; ')} (truncated or edited?); nothing was imported`);
  return header;
}

/** An existing SRM store must have the dimension and metric of the exported one. */
async function checkCompatible(storage: EmbeddedStorage, header: ExportHeader): Promise<void> {
  for (const s of header.srm) {
    const spec = await describeSrm(storage, s.name);
    if (spec && (spec.dim !== s.config.d || spec.metric !== s.config.metric)) {
      throw new InvalidInputError(
        `SRM store "${s.name}" in ${storage.path} has d=${spec.dim}, metric ${spec.metric}; the export has d=${s.config.d}, metric ${s.config.metric}; nothing was imported`,
      );
    }
  }
}

interface WriteOptions {
  batchSize: number;
  tokenizerPath: string | undefined;
  progress: ProgressLine;
}

/** Pass 2: upserts, batch by batch, per store. */
async function write(file: string, header: ExportHeader, storage: EmbeddedStorage, o: WriteOptions): Promise<{ srm: number; glossary: number }> {
  const srm = new Map<string, { memory: SemanticRoutingMemory; d: number; batch: SrmLine[]; done: number; total: number }>();
  const glossary = new Map<string, { memory: SemanticMemory; batch: GlossaryLine[]; done: number; total: number }>();
  try {
    for (const s of header.srm) {
      // An existing store keeps its own configuration; a new one gets the exported one.
      const memory = (await describeSrm(storage, s.name))
        ? await openSrm(storage, s.name)
        : await SemanticRoutingMemory.open({ storage, name: s.name, ...importOptions(s.config) });
      srm.set(s.name, { memory, d: s.config.d, batch: [], done: 0, total: s.items });
    }
    for (const g of header.glossary) {
      const memory = await SemanticMemory.open({ storage, name: g.name, ...(o.tokenizerPath !== undefined ? { tokenizerPath: o.tokenizerPath } : {}) });
      glossary.set(g.name, { memory, batch: [], done: 0, total: g.entries });
    }
    const flushSrm = async (name: string) => {
      const t = srm.get(name)!;
      if (t.batch.length === 0) return;
      // Rows of items exported without a vector stay null: they are stored without one again.
      const vectors = t.batch.map((l) => (l.vector === null ? null : Float32Array.from(l.vector)));
      const ids = t.batch.map((l) => l.id);
      const payloads: Payload[] = t.batch.map((l) => l.payload);
      await t.memory.add(vectors, { ids, payloads, onProgress: (e) => o.progress.onProgress({ ...e, phase: `import:srm:${name}:${e.phase}` }) });
      t.done += t.batch.length;
      t.batch = [];
      o.progress.onProgress({ phase: `import:srm:${name}`, done: t.done, total: t.total });
    };
    const flushGlossary = async (name: string) => {
      const t = glossary.get(name)!;
      if (t.batch.length === 0) return;
      const stored: StoredGlossaryEntry[] = t.batch.map(({ type: _t, store: _s, ...e }) => ({
        ...e,
        id: glossaryId(e.agentId, e.key),
        terms: t.memory.termsOf(e),
      }));
      await t.memory.store.upsert(stored);
      t.done += t.batch.length;
      t.batch = [];
      o.progress.onProgress({ phase: `import:glossary:${name}`, done: t.done, total: t.total });
    };
    const seen = new Map<string, number>();
    for await (const { text, lineNo } of lines(file)) {
      if (lineNo === 1) continue;
      let rec: SrmLine | GlossaryLine;
      try {
        rec = parseDataLine(text, header, seen, lineNo);
      } catch (err) {
        throw new CorruptDataError(file, `line ${lineNo} changed while importing: ${(err as Error).message}`);
      }
      if (rec.type === 'srm') {
        const t = srm.get(rec.store)!;
        t.batch.push(rec);
        if (t.batch.length >= o.batchSize) await flushSrm(rec.store);
      } else {
        const t = glossary.get(rec.store)!;
        t.batch.push(rec);
        if (t.batch.length >= o.batchSize) await flushGlossary(rec.store);
      }
    }
    for (const name of srm.keys()) await flushSrm(name);
    for (const name of glossary.keys()) await flushGlossary(name);
    const sum = (xs: Iterable<{ done: number }>) => [...xs].reduce((a, x) => a + x.done, 0);
    return { srm: sum(srm.values()), glossary: sum(glossary.values()) };
  } finally {
    for (const t of srm.values()) await t.memory.close();
    for (const t of glossary.values()) await t.memory.close();
  }
}
