#!/usr/bin/env node
/**
 * Oracle token ids for the CLIP tokenizer tests, from an independent implementation: Hugging Face
 * transformers.js (`AutoTokenizer`, whose BPE/normalizer/pre-tokenizer come from @huggingface/tokenizers),
 * run fully offline on the vocab.json/merges.txt made by make_clip_files.py.
 *
 * transformers.js reads a `tokenizer.json`; we write one in a temp folder with the normalizer, pre-tokenizer,
 * model and post-processor settings of the official openai/clip-vit-large-patch14 tokenizer.json
 * (NFC + \s+ -> ' ' + lowercase; CLIP's Split regex + ByteLevel; BPE with end_of_word_suffix '</w>').
 *
 * transformers.js is not a project dependency; install it anywhere and point to it:
 *   npm install --prefix /tmp/hfjs --ignore-scripts @huggingface/transformers
 *   node tools/reference/make_clip_oracle.mjs /tmp/hfjs/node_modules/@huggingface/transformers
 * Writes test/reference/diffusion/clip/oracle_ids.json.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const clipDir = resolve(here, '../../test/reference/diffusion/clip');
const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error('usage: make_clip_oracle.mjs PATH/TO/node_modules/@huggingface/transformers');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const { AutoTokenizer, env } = await import(pathToFileURL(join(pkgDir, 'dist/transformers.node.mjs')).href);

const vocab = JSON.parse(readFileSync(join(clipDir, 'vocab.json'), 'utf8'));
const merges = readFileSync(join(clipDir, 'merges.txt'), 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(49406, '<|startoftext|>'), special(49407, '<|endoftext|>')],
  normalizer: {
    type: 'Sequence',
    normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
  },
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      {
        type: 'Split',
        pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
        behavior: 'Removed',
        invert: true,
      },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 49407], cls: ['<|startoftext|>', 49406], trim_offsets: false, add_prefix_space: false },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<|endoftext|>',
    continuing_subword_prefix: '',
    end_of_word_suffix: '</w>',
    fuse_unk: false,
    byte_fallback: false,
    vocab,
    merges,
  },
};
const tokenizerConfig = {
  tokenizer_class: 'CLIPTokenizer',
  bos_token: '<|startoftext|>',
  eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>',
  pad_token: '<|endoftext|>',
  model_max_length: 77,
  do_lower_case: true,
};
const root = mkdtempSync(join(tmpdir(), 'clip-oracle-'));
const modelDir = join(root, 'clip-vit-large-patch14');
(await import('node:fs')).mkdirSync(modelDir);
writeFileSync(join(modelDir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
writeFileSync(join(modelDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root;
const tok = await AutoTokenizer.from_pretrained(basename(modelDir), { local_files_only: true });

const handWritten = JSON.parse(readFileSync(join(clipDir, 'corpus.json'), 'utf8'));

// Plus deterministic random strings (mulberry32, fixed seed) over a pool of tricky characters.
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pool = Array.from(
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ,,,...!?;:'\"()[]{}<>/\\|-_+=*&^%$#@~`" +
    'éèêëàâäôöûüçñßøåæœÉÈÀÖÜÑ日本語中文한국어кириллицаΕλληνικάעבריתالعربية🐱🎉👍🏽‍\u0301\u00a0\u3000\t\n①²½ﬁＡ１',
);
const words = ['cat', 'dog', 'masterpiece', 'best', 'quality', "it's", "don't", 'BREAK', 'AND', '<|endoftext|>', 'photo', '1girl', '8k'];
const rand = mulberry32(20241126);
const randomPrompts = [];
for (let i = 0; i < 200; i++) {
  const n = 1 + Math.floor(rand() * 40);
  let t = '';
  for (let k = 0; k < n; k++) t += rand() < 0.25 ? `${words[Math.floor(rand() * words.length)]} ` : pool[Math.floor(rand() * pool.length)];
  randomPrompts.push(t);
}
const corpus = [...handWritten, ...randomPrompts];
const ids = corpus.map((text) => Array.from(tok.encode(text, { add_special_tokens: false })));
const out = {
  oracle: `@huggingface/transformers ${pkg.version} (AutoTokenizer, offline, tokenizer.json built from vocab.json/merges.txt)`,
  handWritten: handWritten.length,
  corpus: corpus.map((text, i) => ({ text, ids: ids[i] })),
};
writeFileSync(join(clipDir, 'oracle_ids.json'), JSON.stringify(out, null, 0) + '\n');
console.log('wrote', join(clipDir, 'oracle_ids.json'), corpus.length, 'prompts; e.g.', JSON.stringify(ids[0]), JSON.stringify(ids[1]));
