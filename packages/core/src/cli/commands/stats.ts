/** `srm stats`: what is in a memory directory and what it costs in RAM. */
import { NotFoundError } from '../../errors.js';
import type { SRMStats } from '../../srm/types.js';
import type { GlossaryStore } from '../../storage/types.js';
import { parseCommand, optionalString } from '../args.js';
import { DEFAULT_SRM_NAME, describeSrm, openDirectory, openGlossary, openSrm } from '../directory.js';
import { fixed, formatBytes, json, table } from '../format.js';
import type { CliIo } from '../io.js';
import { STATS_USAGE } from '../usage.js';

/** One glossary store's size. */
interface GlossarySummary {
  name: string;
  entries: number;
  /** Entries per agent; absent when the store cannot enumerate its entries. */
  agents?: Record<string, number>;
}

export async function statsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(
    argv,
    {
      name: { type: 'string' },
      'glossary-name': { type: 'string' },
      verify: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    STATS_USAGE,
    { min: 1, max: 1 },
  );
  if (args.help) {
    io.stdout(STATS_USAGE);
    return 0;
  }
  const dir = args.positionals[0]!;
  const name = optionalString(args, 'name');
  const glossaryName = optionalString(args, 'glossary-name');
  const storage = await openDirectory(dir, { create: false });
  try {
    const stores = await storage.listStores();
    const srmName = name ?? DEFAULT_SRM_NAME;
    let stats: SRMStats | null = null;
    let verify: { ok: boolean; items: number; problems: string[] } | undefined;
    if (name !== undefined || (await describeSrm(storage, srmName))) {
      const memory = await openSrm(storage, srmName);
      try {
        stats = memory.stats();
        if (args.values.verify) verify = await memory.verify();
      } finally {
        await memory.close();
      }
    }
    if (glossaryName !== undefined && !stores.glossary.includes(glossaryName)) {
      throw new NotFoundError('glossary store in embedded storage', [glossaryName]);
    }
    const glossaries: GlossarySummary[] = [];
    for (const g of glossaryName !== undefined ? [glossaryName] : stores.glossary) {
      const memory = await openGlossary(storage, g);
      try {
        glossaries.push(await summarize(g, memory.store));
      } finally {
        await memory.close();
      }
    }
    if (args.values.json) {
      io.stdout(json({ directory: storage.path, stores, srm: stats && { name: srmName, ...stats }, ...(verify ? { verify } : {}), glossary: glossaries }));
    } else {
      io.stdout(`directory ${storage.path}\n`);
      io.stdout(`stores    srm: ${list(stores.srm)}; glossary: ${list(stores.glossary)}\n`);
      if (stats) io.stdout(`\n${describeStats(srmName, stats)}`);
      else io.stdout(`\nno SRM store named "${srmName}"\n`);
      if (verify) io.stdout(describeVerify(verify));
      for (const g of glossaries) io.stdout(`\n${describeGlossary(g)}`);
    }
    if (args.values.verify && stats === null) {
      io.stderr(`srm: --verify: no SRM store named "${srmName}" to verify\n`);
      return 1;
    }
    return verify && !verify.ok ? 1 : 0;
  } finally {
    await storage.close();
  }
}

async function summarize(name: string, store: GlossaryStore): Promise<GlossarySummary> {
  const entries = (await store.termStats([])).docCount;
  const agents: Record<string, number> = {};
  for await (const page of store.scanAll(1000)) for (const e of page) agents[e.agentId] = (agents[e.agentId] ?? 0) + 1;
  return { name, entries, agents };
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}

function describeStats(name: string, s: SRMStats): string {
  const h = s.hotBytes;
  const b = s.buckets;
  const ratio = s.denseFloat32Bytes > 0 ? ` (${((100 * h.total) / s.denseFloat32Bytes).toFixed(1)}% of dense float32)` : '';
  return (
    `SRM store "${name}"\n` +
    table([
      ['items', String(s.items)],
      ['d', String(s.d)],
      ['K / m', `${s.K} / ${s.m}`],
      ['rerank', s.rerank],
      ['fitted', s.fitted ? 'yes' : `no (exact search until auto-fit)`],
      ['refitting', s.refitting ? 'yes' : 'no'],
      ['opened from', s.openedFrom.source === 'checkpoint' ? 'routing checkpoint' : `scan of every vector (${s.openedFrom.reason ?? ''})`],
      ['buckets', `${b.count} (empty ${b.empty}); size min ${b.min}, p50 ${b.p50}, mean ${fixed(b.mean, 1)}, p95 ${b.p95}, max ${b.max}`],
      ['quantization error', `fit ${fixed(s.quantizationError.fit, 4)}, recent ${fixed(s.quantizationError.recent, 4)}`],
      ['hot bytes', `${formatBytes(h.total)}${ratio}`],
      ['  codebook', formatBytes(h.codebook)],
      ['  routing', formatBytes(h.routing)],
      ['  id maps', formatBytes(h.idMaps)],
      ['  rerank', formatBytes(h.rerank)],
      ['dense float32', formatBytes(s.denseFloat32Bytes)],
      ...(s.lastRefitError ? [['last refit error', s.lastRefitError]] : []),
    ])
  );
}

function describeVerify(v: { ok: boolean; items: number; problems: string[] }): string {
  if (v.ok) return `verify    ok: ${v.items} items, each in exactly the bucket its routing code names\n`;
  return `verify    FAILED: ${v.problems.length} problem(s)\n${v.problems.map((p) => `  - ${p}\n`).join('')}`;
}

function describeGlossary(g: GlossarySummary): string {
  let out = `glossary store "${g.name}": ${g.entries} entries`;
  if (g.agents) {
    const agents = Object.entries(g.agents).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    out += `, ${agents.length} agent(s)\n`;
    out += table(agents.slice(0, 20).map(([id, n]) => [`  ${id}`, String(n)]));
    if (agents.length > 20) out += `  ... and ${agents.length - 20} more\n`;
  } else out += '\n';
  return out;
}
