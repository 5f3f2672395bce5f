import { beforeAll, describe, expect, it } from 'vitest';
import { loadRef, readRefText } from '../../../../test/reference/diffusion/load.ts';
import { ClipTokenizer, cleanText, parseMerges, preTokenize, TokenizerFileError } from './index.ts';

let tok: ClipTokenizer;
beforeAll(() => {
  tok = ClipTokenizer.fromFiles(readRefText('clip/vocab.json'), readRefText('clip/merges.txt'));
}, 60_000); // 49,408 vocab entries and 48,894 merges: slow on a busy machine

describe('CLIP vocab built from bpe_simple_vocab_16e6 (tools/reference/make_clip_files.py)', () => {
  it('has 49,408 ids with BOS 49406, EOS 49407 and the comma token 267', () => {
    expect(tok.vocabSize).toBe(49408);
    expect(tok.bosId).toBe(49406);
    expect(tok.eosId).toBe(49407);
    expect(tok.commaId).toBe(267);
    expect(tok.tokenToId('!')).toBe(0);
    expect(tok.tokenToId('!</w>')).toBe(256);
  });
});

describe('ids vs transformers.js oracle (clip/oracle_ids.json)', () => {
  const ref = loadRef<{ oracle: string; handWritten: number; corpus: { text: string; ids: number[] }[] }>('clip/oracle_ids.json');
  it('has >= 50 hand-written prompts plus random stress strings', () => {
    expect(ref.handWritten).toBeGreaterThanOrEqual(50);
    expect(ref.corpus.length).toBeGreaterThanOrEqual(ref.handWritten + 200);
  });
  it.each(ref.corpus.slice(0, ref.handWritten).map((c, i) => [i, c.text.slice(0, 40), c] as const))('#%i %s', (_i, _t, c) => {
    expect(tok.encode(c.text)).toEqual(c.ids);
  });
  it('matches on 200 random strings of tricky characters', () => {
    for (const c of ref.corpus.slice(ref.handWritten)) expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
  });
});

describe('documented examples (prompt-weighting.md §3)', () => {
  it('encodes the doc examples', () => {
    expect(tok.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
    expect(tok.encode('masterpiece, best quality')).toEqual([12066, 267, 949, 3027]);
    expect(tok.encode('paper')).toEqual([2802]);
    expect(tok.encode('pa')).toEqual([2217]);
    expect(tok.encode('per')).toEqual([1284]);
    expect(tok.encode('red')).toEqual([736]);
    expect(tok.encode('dog')).toEqual([1929]);
  });
  it('pads to 77 with EOS and truncates keeping the final EOS', () => {
    const p = tok.encodePadded('a cat');
    expect(p.length).toBe(77);
    expect(p.slice(0, 4)).toEqual([49406, 320, 2368, 49407]);
    expect(new Set(p.slice(3))).toEqual(new Set([49407]));
    const long = tok.encodePadded('cat '.repeat(100));
    expect(long.length).toBe(77);
    expect(long[76]).toBe(49407);
  });
});

describe('text cleanup and pre-tokens', () => {
  it('normalizes like whitespace_clean(...).lower() with NFC', () => {
    expect(cleanText('  A\t\nB\u00a0 C  ')).toBe('a b c');
    expect(cleanText('cafe\u0301')).toBe('caf\u00e9');
  });
  it("splits contractions, single digits and symbol runs like CLIP's regex", () => {
    expect(preTokenize("it's 2024!! ok")).toEqual(['it', "'s", '2', '0', '2', '4', '!!', 'ok']);
    expect(preTokenize('<|startoftext|>x')).toEqual(['<|startoftext|>', 'x']);
  });
  it('round-trips through decode', () => {
    const text = 'café, naïve 日本 🐱 (x:1.2)';
    // CLIP decoding turns every word end into a space
    expect(tok.decode(tok.encode(text))).toBe('café , naïve 日本 🐱 ( x : 1 . 2 )');
    expect(tok.decode([49406, 320, 2368, 49407])).toBe('<|startoftext|>a cat <|endoftext|>');
  });
});

describe('file errors', () => {
  it('rejects malformed files', () => {
    expect(() => ClipTokenizer.fromFiles('nope', '')).toThrow(TokenizerFileError);
    expect(() => ClipTokenizer.fromFiles('{"a":0}', '')).toThrow(/startoftext/);
    expect(() => parseMerges('#version: 0.2\na b c')).toThrow(TokenizerFileError);
    expect(() => parseMerges('#version: 0.2\na b c')).toThrow(expect.objectContaining({ code: 'bad-model-folder' }));
    expect(parseMerges('#version: 0.2\ni n\nt h\n')).toEqual([['i', 'n'], ['t', 'h']]);
  });
});
