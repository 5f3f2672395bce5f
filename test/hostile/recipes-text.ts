/**
 * Hostile PNGs (for PNG Info), prompts, infotexts, tokenizer files and model configs, each from a tiny
 * recipe. See `recipe.ts` for the fields.
 */
import { zlibBomb } from './deflate-bomb.ts';
import { iTXt, pngWith, tEXt, zTXt, type ChunkSpec } from './png-writer.ts';
import type { Kind, Recipe } from './recipe.ts';

const enc = new TextEncoder();
const text = (kind: Kind, name: string, what: string, expect: string, make: () => string, big = false): Recipe => ({ name, kind, what, expect, big, make: () => enc.encode(make()) });
const png = (name: string, what: string, expect: string, make: () => Uint8Array, big = false): Recipe => ({ name, kind: 'png', what, expect, make, big });

const PARAMS = 'masterpiece, (a cat:1.2) <hypernet:stripes:0.8>\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model: sd15';
const RUNS_LINE = `Steps: 20, Sampler: Euler a, CFG scale: 7, ${'word word-word/word '.repeat(50_000)}`;
const QUOTES_LINE = `Steps: 20, Sampler: Euler a, CFG scale: 7, ${'ab: "\\",'.repeat(100_000)}`;

export const PNG_RECIPES: Recipe[] = [
  png('png-ztxt-parameters', 'A1111 parameters in a zTXt chunk (spec-conformant tools)', 'valid', () => pngWith([zTXt('parameters', PARAMS)])),
  png('png-itxt-compressed-parameters', 'A1111 parameters in a compressed iTXt chunk', 'valid', () => pngWith([iTXt('parameters', `${PARAMS} 猫`, { compressed: true })])),
  png('png-ztxt-bomb-2m', 'a 2 KB zTXt stream inflating to 2 MiB (over the 1 MiB per chunk)', 'skipped:limit-exceeded', () => pngWith([zTXt('parameters', '', zlibBomb(2 << 20))])),
  png('png-ztxt-bomb-1g', 'a 1 MB zTXt stream inflating to 1 GiB (Node aborted at 4.2 GB)', 'skipped:limit-exceeded', () => pngWith([zTXt('parameters', '', zlibBomb(1 << 30))]), true),
  png('png-itxt-bomb-1g', 'a 1 MB compressed iTXt stream inflating to 1 GiB', 'skipped:limit-exceeded', () => pngWith([iTXt('parameters', '', { stream: zlibBomb(1 << 30) })]), true),
  png('png-many-ztxt-chunks', '64 zTXt chunks of 1 MiB each (each within the per-chunk bound)', 'skipped:limit-exceeded', () => pngWith(Array.from({ length: 64 }, (_, i) => zTXt(`k${i}`, '', zlibBomb(1 << 20)))), true),
  png('png-text-bad-crc', 'the parameters chunk with a wrong CRC-32', 'skipped:corrupt-png', () => pngWith([{ ...tEXt('parameters', PARAMS), crc: 0xdeadbeef }])),
  png('png-chunk-length-lie', 'a text chunk claiming 2 GB', 'skipped:truncated', () => pngWith([{ ...tEXt('parameters', PARAMS), length: 0x7ffffff0 }])),
  png('png-itxt-bad-utf8', 'an iTXt chunk whose text is not UTF-8', 'skipped:corrupt-png', () => pngWith([{ type: 'iTXt', data: Uint8Array.from([0x70, 0, 0, 0, 0, 0, 0xff, 0xfe]) }])),
  png('png-ztxt-method-1', 'a zTXt chunk with compression method 1', 'skipped:corrupt-png', () => {
    const c: ChunkSpec = zTXt('parameters', PARAMS);
    c.data[11] = 1;
    return pngWith([c]);
  }),
  png('png-ztxt-garbage-stream', 'a zTXt chunk whose stream is not DEFLATE', 'skipped:corrupt-png', () => pngWith([zTXt('parameters', '', Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))])),
  png('png-truncated', 'a PNG cut inside its first text chunk', 'skipped:truncated', () => pngWith([tEXt('parameters', PARAMS)], { truncateAt: 60 })),
  png('png-no-keyword', 'a tEXt chunk without a keyword terminator', 'skipped:corrupt-png', () => pngWith([{ type: 'tEXt', data: enc.encode('x'.repeat(200)) }])),
  png('png-params-key-runs', 'a 1 MB parameters line of words without colons (A1111 re_param: 13 s)', 'valid', () => pngWith([iTXt('parameters', `a cat\n${RUNS_LINE}`)]), true),
  png('png-params-quote-runs', 'a parameters line of 100,000 unclosed escaped quotes', 'valid', () => pngWith([iTXt('parameters', `a cat\n${QUOTES_LINE}`)]), true),
  png('png-params-tag-bomb', 'a prompt of 90,000 characters of unclosed <a: tags and parentheses', 'valid', () => pngWith([tEXt('parameters', `${'<a:('.repeat(22_000)}\n${PARAMS.split('\n')[2]}`)]), true),
  png('png-params-out-of-range', 'Steps 10^21, Seed -1, Size 999999x1: restored only where in range', 'valid', () => pngWith([tEXt('parameters', 'p\nSteps: 1000000000000000000000, Sampler: Euler, Seed: -1, Size: 999999x1, CFG scale: 1e308')])),
  png('png-not-png', 'a .pt file given as a PNG', 'not-a-png', () => Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0])),
];

export const PROMPT_RECIPES: Recipe[] = [
  text('prompt', 'prompt-nested-45k', '45,000 nested parentheses around one word: the weight 1.1^45000 is infinite', 'bad-prompt', () => `${'('.repeat(45_000)}a${')'.repeat(45_000)}`, true),
  text('prompt', 'prompt-interleaved-brackets', '([a)] repeated: round and square brackets interleaved', 'valid', () => '([a)]'.repeat(400)),
  text('prompt', 'prompt-interleaved-90k', '([a)] repeated over 90,000 characters: weights cancel, 18,000 letters merge into one word', 'valid', () => '([a)]'.repeat(18_000), true),
  text('prompt', 'prompt-interleaved-words-90k', '([cat)] repeated over 90,000 characters: 12,800 tokens', 'bad-prompt', () => '([cat )] '.repeat(10_000), true),
  text('prompt', 'prompt-unclosed-openers', '(a[ repeated 30,000 times, applied at the end', 'bad-prompt', () => '(a['.repeat(30_000), true),
  text('prompt', 'prompt-escaped-parens', '\\( repeated 45,000 times (every one a fragment, merged at the end)', 'bad-prompt', () => '\\('.repeat(45_000), true),
  text('prompt', 'prompt-escaped-short', '\\( \\) \\[ \\] \\\\ and a lone backslash', 'valid', () => 'a \\(b\\) \\[c\\] \\\\ d\\'),
  text('prompt', 'prompt-whitespace-run', 'two words around 90,000 spaces', 'valid', () => `a${' '.repeat(90_000)}b`, true),
  text('prompt', 'prompt-whitespace-break', '90,000 spaces before BREAK (re.split with a leading \\s*)', 'valid', () => `a${' \t'.repeat(45_000)}BREAK b`, true),
  text('prompt', 'prompt-unclosed-extra-network', '<a: repeated 30,000 times (the prompt box froze 9 s)', 'bad-prompt', () => '<a:'.repeat(30_000), true),
  text('prompt', 'prompt-unclosed-extra-network-short', '<a: repeated 20 times', 'valid', () => '<a:'.repeat(20)),
  text('prompt', 'prompt-break-flood-120k', '20,000 BREAKs (120 KB: 112 s and 5.1 GB in generate)', 'bad-prompt', () => 'BREAK '.repeat(20_000), true),
  text('prompt', 'prompt-break-33', '33 chunks through BREAK', 'bad-prompt', () => 'cat BREAK '.repeat(33)),
  text('prompt', 'prompt-infinite-weight', '(cat:999…9) with 400 digits: an infinite weight', 'bad-prompt', () => `(cat:${'9'.repeat(400)})`),
  text('prompt', 'prompt-8000-levels', '8,000 nested parentheses: 1.1^8000 overflows', 'bad-prompt', () => `${'('.repeat(8000)}cat${')'.repeat(8000)}`),
  text('prompt', 'prompt-distinct-weight-nest', '10,000 brackets closing over 10,000 distinct, finite weights (quadratic work)', 'bad-prompt', () => `${'('.repeat(10_000)}${Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 'w:0.9999)' : 'w:1.0001)')).join('')}`, true),
  text('prompt', 'prompt-long-word', 'one 90,000-letter word (CLIP BPE was quadratic)', 'bad-prompt', () => 'a'.repeat(90_000), true),
  text('prompt', 'prompt-bad-float', '(cat:1.2.3) is a Python float error', 'bad-prompt', () => '(cat:1.2.3)'),
  text('prompt', 'prompt-many-tags', '1,000 hypernet tags', 'valid', () => '<hypernet:x:0.5> '.repeat(1000)),
  text('prompt', 'prompt-tag-inf', '<hypernet:x:inf>: the prompt parses; strengths are checked by the engine', 'valid', () => 'a cat <hypernet:x:inf>'),
  text('prompt', 'prompt-control-characters', 'NUL, bidi controls, a lone surrogate, zero-width joiners', 'valid', () => 'a\u0000b \u202ecat\u202c \ud800 d\u200de'),
  text('prompt', 'prompt-realistic', 'a long real-looking prompt with emphasis, BREAK and tags', 'valid', () =>
    `masterpiece, best quality, (detailed face:1.2), [blurry], ((sharp focus)), ${'intricate details, '.repeat(20)} BREAK a cat <hypernet:stripes:0.8> <lora:x:1>`,
  ),
  text('prompt', 'prompt-2mb', '2 MB of text', 'bad-prompt', () => 'cat, '.repeat(400_000), true),
];

export const INFOTEXT_RECIPES: Recipe[] = [
  text('infotext', 'infotext-key-runs', 'a 1 MB parameters line of words without colons', 'valid', () => `a cat\n${RUNS_LINE}`, true),
  text('infotext', 'infotext-quote-runs', 'a parameters line of unclosed escaped quotes', 'valid', () => `a cat\n${QUOTES_LINE}`, true),
  text('infotext', 'infotext-whitespace', '1 MB of whitespace before a colon', 'valid', () => `a\n${' '.repeat(1 << 20)}Steps: 2, a: 1, b: 2`, true),
  text('infotext', 'infotext-many-params', '50,000 parameters', 'valid', () => `a\n${Array.from({ length: 50_000 }, (_, i) => `K${i}: ${i}`).join(', ')}`, true),
  text('infotext', 'infotext-short-hostile', 'quotes, colons and commas in every place', 'valid', () => 'p\nNegative prompt: n\n"a": "b\\", c: ,: d, e:"f", Steps: "2"'),
];

const vocab = JSON.stringify({ '<|startoftext|>': 0, '<|endoftext|>': 1, 'a</w>': 2, a: 3 });
const tokenizer = (v: string, merges: string): string => JSON.stringify({ vocab: v, merges });

export const TOKENIZER_RECIPES: Recipe[] = [
  text('tokenizer', 'tokenizer-empty-merges', 'an empty merges.txt', 'bad-model-folder', () => tokenizer(vocab, '#version: 0.2\n')),
  text('tokenizer', 'tokenizer-vocab-array', 'vocab.json is an array', 'bad-model-folder', () => tokenizer('[1, 2]', 'a b\n')),
  text('tokenizer', 'tokenizer-vocab-not-json', 'vocab.json is not JSON', 'bad-model-folder', () => tokenizer('{"a": ', 'a b\n')),
  text('tokenizer', 'tokenizer-no-specials', 'vocab.json lacks the special tokens', 'bad-model-folder', () => tokenizer('{"a": 0}', 'a b\n')),
  text('tokenizer', 'tokenizer-float-id', 'a vocabulary id that is not an integer', 'bad-model-folder', () => tokenizer(JSON.stringify({ '<|startoftext|>': 0, '<|endoftext|>': 1.5 }), 'a b\n')),
  text('tokenizer', 'tokenizer-bad-merge-line', 'a merges line with three symbols', 'bad-model-folder', () => tokenizer(vocab, '#version: 0.2\na b c\n')),
  text('tokenizer', 'tokenizer-small-valid', 'a tiny but valid vocabulary', 'valid', () => tokenizer(vocab, '#version: 0.2\na </w>\n')),
];

export const CONFIG_RECIPES: Recipe[] = [
  text('config', 'config-sample-size-1e9', 'unet sample_size 10^9 ("Invalid typed array length")', 'bad-model-folder', () => '{"vae": {}, "unet": {"sample_size": 1000000000}, "scheduler": {}}'),
  text('config', 'config-vae-blocks-40', '40 VAE blocks: a 2^39 scale', 'bad-model-folder', () => JSON.stringify({ vae: { block_out_channels: new Array(40).fill(128) }, unet: {}, scheduler: {} })),
  text('config', 'config-scaling-infinite', 'scaling_factor 1e999 (JSON reads Infinity)', 'bad-model-folder', () => '{"vae": {"scaling_factor": 1e999}, "unet": {}, "scheduler": {}}'),
  text('config', 'config-timesteps-1e9', 'scheduler num_train_timesteps 10^9', 'bad-model-folder', () => '{"vae": {}, "unet": {}, "scheduler": {"num_train_timesteps": 1000000000}}'),
  text('config', 'config-betas-negative', 'a negative beta', 'bad-model-folder', () => '{"vae": {}, "unet": {}, "scheduler": {"beta_start": -1}}'),
  text('config', 'config-sd15', 'SD 1.5 values', 'valid', () => '{"vae": {"block_out_channels": [128, 256, 512, 512], "scaling_factor": 0.18215}, "unet": {"sample_size": 64, "block_out_channels": [320, 640, 1280, 1280]}, "scheduler": {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012}}'),
];
