/** `srm query`: the nearest items to a vector or to a text embedded with GloVe. */
import { GloveEmbedder } from '../../embeddings/glove.js';
import type { FilterInput } from '../../filter.js';
import { Limits } from '../../limits.js';
import { optionalInt, optionalJson, optionalString, parseCommand, UsageError } from '../args.js';
import { assertMemoryDirectory, DEFAULT_SRM_NAME, openDirectory, openSrm } from '../directory.js';
import { fixed, json, table, truncate } from '../format.js';
import type { CliIo } from '../io.js';
import { QUERY_USAGE } from '../usage.js';

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
const isObject = (v: unknown): v is FilterInput => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function queryCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(
    argv,
    {
      vector: { type: 'string' },
      text: { type: 'string' },
      k: { type: 'string', short: 'k' },
      m: { type: 'string' },
      filter: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    QUERY_USAGE,
    { min: 1, max: 1 },
  );
  if (args.help) {
    io.stdout(QUERY_USAGE);
    return 0;
  }
  const vector = optionalJson(args, 'vector', QUERY_USAGE, 'a non-empty array of numbers', isNumberArray);
  const text = optionalString(args, 'text');
  if ((vector === undefined) === (text === undefined)) throw new UsageError('give exactly one of --vector and --text', QUERY_USAGE);
  if (text !== undefined && text.trim() === '') throw new UsageError('--text is empty', QUERY_USAGE);
  const k = optionalInt(args, 'k', QUERY_USAGE, { min: 1, max: Limits.maxK });
  const m = optionalInt(args, 'm', QUERY_USAGE, { min: 1, max: 65_536 });
  const filter = optionalJson(args, 'filter', QUERY_USAGE, 'a JSON object (payload filter)', isObject);
  const name = optionalString(args, 'name') ?? DEFAULT_SRM_NAME;

  const dir = assertMemoryDirectory(args.positionals[0]!);
  // Load the embedder before opening the directory, so the directory is not held while GloVe loads (seconds the first time).
  const q = text !== undefined ? (await GloveEmbedder.load()).embed(text) : vector!;
  const storage = await openDirectory(dir, { create: false });
  try {
    const memory = await openSrm(storage, name);
    try {
      const hits = await memory.query(q, { ...(k !== undefined ? { k } : {}), ...(m !== undefined ? { m } : {}), ...(filter ? { filter } : {}) });
      if (args.values.json) io.stdout(json(hits));
      else if (hits.length === 0) io.stdout('no results\n');
      else
        io.stdout(
          table([
            ['rank', 'score', 'id', 'payload'],
            ...hits.map((h, i) => [String(i + 1), fixed(h.score, 4), h.id, truncate(JSON.stringify(h.payload), 100)]),
          ]),
        );
      return 0;
    } finally {
      await memory.close();
    }
  } finally {
    await storage.close();
  }
}
