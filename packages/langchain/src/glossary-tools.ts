/**
 * LangChain tools that let an agent keep its own glossary: memorize a term,
 * recall terms, forget a term. The agent id is bound when the tools are
 * created, so a model can never read or write another agent's entries.
 */
import { tool } from '@langchain/core/tools';
import type { DynamicStructuredTool } from '@langchain/core/tools';
import { z } from 'zod';
import { InvalidConfigError, Limits } from '@srm/core';
import type { RecalledEntry, SemanticMemory } from '@srm/core';
import { glossaryPageContent } from './semantic-memory-retriever.js';

/** Options of {@link createGlossaryTools}. */
export interface GlossaryToolsOptions {
  /** The agent whose glossary the tools read and write. */
  agentId: string;
  /** Most entries `recall_terms` returns when the model does not say. Default 5. */
  topK?: number;
  /** Normalised relevance cut-off in [0, 1] for `recall_terms`. Default none. */
  minRelevance?: number;
  /** Prefix of the tool names, e.g. `"support_"` gives `support_memorize_term`. Default `""`. */
  namePrefix?: string;
}

const memorizeSchema = z.object({
  key: z.string().min(1).max(Limits.maxKeyLength).describe('The term, acronym or jargon word, e.g. "JWT".'),
  value: z.string().min(1).max(Limits.maxTextLength).describe('What it stands for or means, e.g. "JSON Web Token".'),
  category: z.string().max(Limits.maxKeyLength).optional().describe('A grouping such as "abbreviation", "product" or "team".'),
  aliases: z.array(z.string().min(1).max(Limits.maxKeyLength)).max(Limits.maxAliases).optional().describe('Other names of the same term.'),
  description: z.string().max(Limits.maxTextLength).optional().describe('A longer explanation.'),
});

const recallSchema = z.object({
  query: z.string().min(1).max(Limits.maxQueryLength).describe('Words to look up: a term, an acronym or a question that contains them.'),
  topK: z.number().int().min(1).max(50).optional().describe('How many entries at most.'),
});

const forgetSchema = z.object({
  key: z.string().min(1).max(Limits.maxKeyLength).describe('The term to forget (any casing).'),
});

/** One line per recalled entry, as the model reads it. */
export function formatRecalledEntries(entries: readonly RecalledEntry[]): string {
  return entries
    .map((e) => {
      const tags = [e.category, e.aliases.length > 0 ? `aliases: ${e.aliases.join(', ')}` : ''].filter(Boolean).join('; ');
      return `- ${glossaryPageContent(e)}${tags ? ` [${tags}]` : ''}`;
    })
    .join('\n');
}

/** The three glossary tools, in the order memorize, recall, forget. */
export type GlossaryTools = [
  memorize: DynamicStructuredTool<typeof memorizeSchema>,
  recall: DynamicStructuredTool<typeof recallSchema>,
  forget: DynamicStructuredTool<typeof forgetSchema>,
];

/**
 * Tools for an agent's glossary: `memorize_term`, `recall_terms` (its artifact
 * is the list of recalled entries) and `forget_term`. Errors of the memory
 * (invalid input, storage) are thrown unchanged, so the agent runtime reports them.
 *
 * @throws InvalidConfigError for a missing agentId or out-of-range options.
 * @example
 * ```ts
 * const tools = createGlossaryTools(glossary, { agentId: 'support-bot' });
 * const agent = createAgent({ model, tools });
 * ```
 */
export function createGlossaryTools(memory: SemanticMemory, options: GlossaryToolsOptions): GlossaryTools {
  const { agentId, topK = 5, minRelevance, namePrefix = '' } = options ?? ({} as GlossaryToolsOptions);
  if (typeof memory?.recall !== 'function') throw new InvalidConfigError('memory', 'expected a SemanticMemory');
  if (typeof agentId !== 'string' || agentId.length === 0)
    throw new InvalidConfigError('agentId', `expected a non-empty string, got ${JSON.stringify(agentId)}`);
  if (!Number.isInteger(topK) || topK < 1 || topK > Limits.maxK)
    throw new InvalidConfigError('topK', `expected an integer in [1, ${Limits.maxK}], got ${JSON.stringify(topK)}`);
  if (minRelevance !== undefined && !(minRelevance >= 0 && minRelevance <= 1)) {
    throw new InvalidConfigError('minRelevance', `expected a number in [0, 1], got ${JSON.stringify(minRelevance)}`);
  }
  if (!/^[A-Za-z0-9_-]*$/.test(namePrefix))
    throw new InvalidConfigError('namePrefix', `only letters, digits, "_" and "-" are allowed, got ${JSON.stringify(namePrefix)}`);

  const memorize = tool(
    async ({ key, value, category, aliases, description }) => {
      await memory.memorize({
        key,
        value,
        agentId,
        ...(category === undefined ? {} : { category }),
        ...(aliases === undefined ? {} : { aliases }),
        ...(description === undefined ? {} : { description }),
      });
      return `Memorized "${key.trim()}": ${value.trim()}`;
    },
    {
      name: `${namePrefix}memorize_term`,
      description:
        'Save a term (acronym, jargon, product or team name) and its meaning to your long-term glossary, so you can recall it in later conversations. Saving a term again replaces it.',
      schema: memorizeSchema,
    },
  );

  const recall = tool(
    async ({ query, topK: k }): Promise<[string, RecalledEntry[]]> => {
      const entries = await memory.recall(query, {
        agentId,
        topK: k ?? topK,
        ...(minRelevance === undefined ? {} : { minRelevance }),
      });
      const text = entries.length === 0 ? `No glossary entry matches ${JSON.stringify(query)}.` : formatRecalledEntries(entries);
      return [text, entries];
    },
    {
      name: `${namePrefix}recall_terms`,
      description:
        'Look up terms in your long-term glossary by exact words, acronyms or aliases. Use it when a message contains jargon or an abbreviation you may have saved before.',
      schema: recallSchema,
      responseFormat: 'content_and_artifact',
    },
  );

  const forget = tool(async ({ key }) => ((await memory.forget(key, agentId)) ? `Forgot "${key.trim()}".` : `There was no entry "${key.trim()}" to forget.`), {
    name: `${namePrefix}forget_term`,
    description: 'Remove a term from your long-term glossary (for example when it was saved wrongly or is obsolete).',
    schema: forgetSchema,
  });

  return [memorize, recall, forget];
}
