import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenizerError } from '../errors.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { SemanticMemory } from './semantic-memory.js';

/** A real BERT-style WordPiece tokenizer.json, the format HuggingFace models ship. */
function wordPieceTokenizerJson(): object {
  const words = [
    '[PAD]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    'json',
    'web',
    'token',
    'kube',
    '##rnetes',
    'container',
    'orchestration',
    'private',
    'data',
    'personal',
    '##ly',
    'identifiable',
    'information',
    'jw',
    '##t',
    'pi',
    '##i',
  ];
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

describe('HfTokenizer', () => {
  let dir: string;
  let path: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'srm-hf-'));
    path = join(dir, 'tokenizer.json');
    writeFileSync(path, JSON.stringify(wordPieceTokenizerJson()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('load', () => {
    it('loads a WordPiece tokenizer.json and tokenizes with it, special tokens dropped', async () => {
      const t = await HfTokenizer.load(path);
      expect(t.tokenize('Kubernetes JWT zzz')).toEqual(['kube', '##rnetes', 'jw', '##t']);
      expect(t.name).toBe(`hf:${path}`);
    });

    it('throws TokenizerError for a missing file', async () => {
      await expect(HfTokenizer.load(join(dir, 'missing.json'))).rejects.toThrow(TokenizerError);
    });

    it('throws TokenizerError for a file that is not JSON', async () => {
      const bad = join(dir, 'corrupt.json');
      writeFileSync(bad, '{"model": {"type": "WordPiece", "vocab": {');
      await expect(HfTokenizer.load(bad)).rejects.toThrow(TokenizerError);
      await expect(HfTokenizer.load(bad)).rejects.toThrow(/not valid JSON/);
    });

    it('throws TokenizerError for JSON that is not a tokenizer', async () => {
      const bad = join(dir, 'not-a-tokenizer.json');
      writeFileSync(bad, JSON.stringify({ hello: 'world' }));
      await expect(HfTokenizer.load(bad)).rejects.toThrow(TokenizerError);
      writeFileSync(bad, '[1, 2, 3]');
      await expect(HfTokenizer.load(bad)).rejects.toThrow(TokenizerError);
    });
  });

  describe('through SemanticMemory.open({ tokenizerPath })', () => {
    it('indexes and recalls with the model’s tokens', async () => {
      const m = await SemanticMemory.open({ tokenizerPath: path });
      await m.memorize({ key: 'k8s', value: 'Kubernetes', agentId: 'a', description: 'container orchestration' });
      await m.memorize({ key: 'PII', value: 'Personally identifiable information', agentId: 'a', aliases: ['private data'] });
      expect((await m.recall('kubernetes', { agentId: 'a' }))[0]?.key).toBe('k8s');
      expect((await m.recall('private data', { agentId: 'a' }))[0]?.key).toBe('PII');
      await m.close();
    });

    it('fails at open, not at the first recall, when the file is missing', async () => {
      await expect(SemanticMemory.open({ tokenizerPath: join(dir, 'nope', 'tokenizer.json') })).rejects.toThrow(TokenizerError);
    });
  });
});
