/** `srm glossary list|recall`: one agent's glossary, as stored and as BM25 recalls it. */
import { Limits } from '../../limits.js';
import { optionalInt, optionalNumber, optionalString, parseCommand, requireString, UsageError } from '../args.js';
import { DEFAULT_GLOSSARY_NAME, openDirectory, openGlossary } from '../directory.js';
import { fixed, json, table, truncate } from '../format.js';
import type { CliIo } from '../io.js';
import { GLOSSARY_USAGE } from '../usage.js';

const COMMON = {
  agent: { type: 'string' },
  'glossary-name': { type: 'string' },
  tokenizer: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function glossaryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.stdout(GLOSSARY_USAGE);
    return 0;
  }
  if (sub === 'list') return list(rest, io);
  if (sub === 'recall') return recall(rest, io);
  throw new UsageError(
    sub === undefined ? 'missing the glossary subcommand (list or recall)' : `unknown glossary subcommand ${JSON.stringify(sub)}`,
    GLOSSARY_USAGE,
  );
}

async function list(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, { ...COMMON, category: { type: 'string' } }, GLOSSARY_USAGE, { min: 1, max: 1 });
  if (args.help) {
    io.stdout(GLOSSARY_USAGE);
    return 0;
  }
  const agent = requireString(args, 'agent', GLOSSARY_USAGE);
  const category = optionalString(args, 'category');
  const storage = await openDirectory(args.positionals[0]!, { create: false });
  try {
    const glossary = await openGlossary(storage, optionalString(args, 'glossary-name') ?? DEFAULT_GLOSSARY_NAME, optionalString(args, 'tokenizer'));
    try {
      const entries = await glossary.listAll(agent, category === undefined ? {} : { category });
      if (args.values.json) io.stdout(json(entries));
      else if (entries.length === 0)
        io.stdout(`no entries for agent ${JSON.stringify(agent)}${category !== undefined ? ` in category ${JSON.stringify(category)}` : ''}\n`);
      else {
        io.stdout(
          table([
            ['key', 'category', 'aliases', 'value'],
            ...entries.map((e) => [e.key, e.category, truncate(e.aliases.join(', '), 30), truncate(e.value, 80)]),
          ]),
        );
        io.stdout(`${entries.length} entries\n`);
      }
      return 0;
    } finally {
      await glossary.close();
    }
  } finally {
    await storage.close();
  }
}

async function recall(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(
    argv,
    {
      ...COMMON,
      'top-k': { type: 'string' },
      'min-relevance': { type: 'string' },
    },
    GLOSSARY_USAGE,
    { min: 2, max: 2 },
  );
  if (args.help) {
    io.stdout(GLOSSARY_USAGE);
    return 0;
  }
  const agent = requireString(args, 'agent', GLOSSARY_USAGE);
  const [dir, query] = args.positionals as [string, string];
  if (query.trim() === '') throw new UsageError('the query is empty', GLOSSARY_USAGE);
  const topK = optionalInt(args, 'top-k', GLOSSARY_USAGE, { min: 1, max: Limits.maxK }) ?? 5;
  const minRelevance = optionalNumber(args, 'min-relevance', GLOSSARY_USAGE, { min: 0, max: 1 });
  const storage = await openDirectory(dir, { create: false });
  try {
    const glossary = await openGlossary(storage, optionalString(args, 'glossary-name') ?? DEFAULT_GLOSSARY_NAME, optionalString(args, 'tokenizer'));
    try {
      const hits = await glossary.recall(query, { agentId: agent, topK, withRelevance: true, ...(minRelevance !== undefined ? { minRelevance } : {}) });
      if (args.values.json) io.stdout(json(hits));
      else if (hits.length === 0) io.stdout('no matching entries\n');
      else
        io.stdout(
          table([['score', 'relevance', 'key', 'value'], ...hits.map((h) => [fixed(h.score, 3), fixed(h.relevance, 3), h.key, truncate(h.value, 80)])]),
        );
      return 0;
    } finally {
      await glossary.close();
    }
  } finally {
    await storage.close();
  }
}
