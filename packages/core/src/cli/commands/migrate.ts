/** `srm migrate --to qdrant`: copy a directory's memories to Qdrant without re-embedding. */
import { Limits } from '../../limits.js';
import { migrateStorage } from '../../storage/migrate.js';
import { QdrantStorage } from '../../storage/qdrant/qdrant-storage.js';
import type { SRMItemStoreSpec } from '../../storage/types.js';
import { optionalInt, optionalString, parseCommand, requireString, UsageError } from '../args.js';
import { describeSrm, openDirectory } from '../directory.js';
import { table } from '../format.js';
import { ProgressLine, type CliIo } from '../io.js';
import { MIGRATE_USAGE } from '../usage.js';

/** Default `--timeout` of `srm migrate`, in ms. */
export const MIGRATE_TIMEOUT_MS = 30_000;

export async function migrateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommand(
    argv,
    {
      to: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      prefix: { type: 'string' },
      overwrite: { type: 'boolean' },
      'batch-size': { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
    },
    MIGRATE_USAGE,
    { min: 1, max: 1 },
  );
  if (args.help) {
    io.stdout(MIGRATE_USAGE);
    return 0;
  }
  const to = requireString(args, 'to', MIGRATE_USAGE);
  if (to !== 'qdrant') throw new UsageError(`--to ${JSON.stringify(to)} is not supported; the only destination is qdrant`, MIGRATE_USAGE);
  const url = requireString(args, 'url', MIGRATE_USAGE);
  if (!/^https?:\/\/./.test(url)) throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`, MIGRATE_USAGE);
  const apiKey = optionalString(args, 'api-key') ?? io.env.QDRANT_API_KEY;
  const prefix = optionalString(args, 'prefix');
  const batchSize = optionalInt(args, 'batch-size', MIGRATE_USAGE, { min: 1, max: Limits.maxBatchSize });
  // A batch copy, not an agent waiting: a longer per-request timeout than the library's default.
  const timeoutMs = optionalInt(args, 'timeout', MIGRATE_USAGE, { min: 100, max: 600_000 }) ?? MIGRATE_TIMEOUT_MS;
  const retries = optionalInt(args, 'retries', MIGRATE_USAGE, { min: 0, max: 10 });

  const from = await openDirectory(args.positionals[0]!, { create: false });
  const progress = new ProgressLine(io);
  try {
    const dest = await QdrantStorage.connect({
      url,
      timeoutMs,
      ...(retries !== undefined ? { retries } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(prefix !== undefined ? { collectionPrefix: prefix } : {}),
    });
    try {
      const stores = await from.listStores();
      const specs: SRMItemStoreSpec[] = [];
      for (const name of stores.srm) specs.push((await describeSrm(from, name))!);
      const report = await migrateStorage({
        from,
        to: dest,
        srm: specs,
        glossary: stores.glossary,
        overwrite: args.values.overwrite === true,
        onProgress: progress.onProgress,
        ...(batchSize !== undefined ? { batchSize } : {}),
      });
      progress.finish();
      const rows = [
        ['kind', 'store', 'copied'],
        ...report.srm.map((s) => ['srm', s.name, `${s.items} items (state ${s.stateBytes} bytes)`]),
        ...report.glossary.map((g) => ['glossary', g.name, `${g.entries} entries of ${g.agents} agent(s)`]),
      ];
      io.stdout(table(rows));
      io.stdout(`migrated to ${url} (collection prefix "${dest.collectionPrefix}"); counts verified\n`);
      return 0;
    } finally {
      await dest.close();
    }
  } finally {
    progress.finish();
    await from.close();
  }
}
