import { beforeAll, describe, expect, it } from 'vitest';
import { loadRef, readRefText } from '../../../../test/reference/diffusion/load.ts';
import { ClipTokenizer } from '../tokenizer/index.ts';
import {
  applyEmphasis,
  flattenChunks,
  parseExtraNetworks,
  parsePromptAttention,
  preparePrompts,
  PromptSyntaxError,
  pyFloat,
  tokenizeLine,
  type Fragment,
} from './index.ts';

let tok: ClipTokenizer;
beforeAll(() => {
  tok = ClipTokenizer.fromFiles(readRefText('clip/vocab.json'), readRefText('clip/merges.txt'));
}, 60_000); // 49,408 vocab entries and 48,894 merges: slow on a busy machine

describe('parsePromptAttention: prompt-weighting.md §2 tables', () => {
  const table: [string, Fragment[]][] = [
    ['a cat', [['a cat', 1.0]]],
    ['(cat)', [['cat', 1.1]]],
    ['((cat))', [['cat', 1.2100000000000002]]],
    ['(((cat)))', [['cat', 1.3310000000000004]]],
    ['[cat]', [['cat', 0.9090909090909091]]],
    ['[[cat]]', [['cat', 0.8264462809917354]]],
    ['(cat:1.3)', [['cat', 1.3]]],
    ['(cat: 1.3 )', [['cat', 1.3]]],
    ['((cat:1.3))', [['cat', 1.4300000000000002]]],
    ['[(cat:1.3)]', [['cat', 1.1818181818181819]]],
    ['(cat:0.5) dog', [['cat', 0.5], [' dog', 1.0]]],
    ['(a (b) c)', [['a ', 1.1], ['b', 1.2100000000000002], [' c', 1.1]]],
    ['(cat', [['cat', 1.1]]],
    ['[cat', [['cat', 0.9090909090909091]]],
    ['cat)', [['cat)', 1.0]]],
    ['cat]', [['cat]', 1.0]]],
    ['cat:1.3)', [['cat:1.3)', 1.0]]],
    ['(a:1.2.3x', [['a:1.2.3x', 1.1]]],
    ['a \\(b\\) c', [['a (b) c', 1.0]]],
    ['a\\b', [['ab', 1.0]]],
    ['a \\\\ b', [['a \\ b', 1.0]]],
    ['(a:1.1) (b)', [['a', 1.1], [' ', 1.0], ['b', 1.1]]],
    ['a BREAK b', [['a', 1.0], ['BREAK', -1], ['b', 1.0]]],
    ['a BREAKb', [['a BREAKb', 1.0]]],
    ['(a BREAK b)', [['a', 1.1], ['BREAK', -1.1], ['b', 1.1]]],
    ['', [['', 1.0]]],
    ['(a:-1)', [['a', -1.0]]],
    ['a: b', [['a: b', 1.0]]],
    ['(a:)', [['a:', 1.1]]],
    ['( [a:1.3) ]', [[' ', 1.3], ['a', 1.3 * (1 / 1.1)], [' ', 1 / 1.1]]],
    // A1111's own doctests
    ['normal text', [['normal text', 1.0]]],
    ['an (important) word', [['an ', 1.0], ['important', 1.1], [' word', 1.0]]],
    ['(unbalanced', [['unbalanced', 1.1]]],
    ['\\(literal\\]', [['(literal]', 1.0]]],
    ['(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
    [
      'a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).',
      [
        ['a ', 1.0],
        ['house', 1.5730000000000004],
        [' ', 1.1],
        ['on', 1.0],
        [' a ', 1.1],
        ['hill', 0.55],
        [', sun, ', 1.1],
        ['sky', 1.4641000000000006],
        ['.', 1.1],
      ],
    ],
  ];
  it.each(table)('%j', (prompt, want) => {
    expect(parsePromptAttention(prompt)).toEqual(want);
  });

  it('raises where Python float() raises, like A1111', () => {
    expect(() => parsePromptAttention('(a:1.2.3)')).toThrow(PromptSyntaxError);
    expect(() => parsePromptAttention('(a:1.2.3)')).toThrow(expect.objectContaining({ code: 'bad-prompt' }));
    expect(() => parsePromptAttention('(a:.)')).toThrow(/could not convert/);
  });

  it('uses Unicode word boundaries around BREAK (Python \\b), not ASCII ones', () => {
    expect(parsePromptAttention('éBREAK x')).toEqual([['éBREAK x', 1.0]]);
    expect(parsePromptAttention('x\u3000BREAK\u3000y')).toEqual([['x', 1.0], ['BREAK', -1], ['y', 1.0]]);
  });
});

const words = (w: string, n: number) => new Array<string>(n).fill(w).join(' ');
const CAT = 2368;
const DOG = 1929;
const COMMA = 267;
const BOS = 49406;
const EOS = 49407;

describe('tokenizeLine: 75-token chunks (prompt-weighting.md §4 table)', () => {
  it('moves the words after the last comma to the next chunk (backtrack 20)', () => {
    const r = tokenizeLine(`${words('cat', 70)}, ${words('dog', 10)}`, tok);
    expect(r.chunks.length).toBe(2);
    const [a, b] = r.chunks;
    expect(a?.tokens).toEqual([BOS, ...new Array(70).fill(CAT), COMMA, ...new Array(5).fill(EOS)]);
    expect(b?.tokens).toEqual([BOS, ...new Array(10).fill(DOG), ...new Array(66).fill(EOS)]);
    expect(r.tokenCount).toBe(85);
  });
  it('fills chunks without backtracking when the option is 0', () => {
    const r = tokenizeLine(`${words('cat', 70)}, ${words('dog', 10)}`, tok, { commaPaddingBacktrack: 0 });
    expect(r.chunks[0]?.tokens).toEqual([BOS, ...new Array(70).fill(CAT), COMMA, ...new Array(4).fill(DOG), EOS]);
    expect(r.chunks[1]?.tokens).toEqual([BOS, ...new Array(6).fill(DOG), ...new Array(70).fill(EOS)]);
    expect(r.tokenCount).toBe(81);
  });
  it('puts a comma that arrives on a full chunk first in the next chunk', () => {
    const r = tokenizeLine(`${words('cat', 75)}, ${words('dog', 5)}`, tok);
    expect(r.chunks[0]?.tokens).toEqual([BOS, ...new Array(75).fill(CAT), EOS]);
    expect(r.chunks[1]?.tokens).toEqual([BOS, COMMA, ...new Array(5).fill(DOG), ...new Array(70).fill(EOS)]);
  });
  it('applies weights per token and breaks at BREAK', () => {
    const r = tokenizeLine('(red:1.5) cat BREAK [dog]', tok);
    expect(r.chunks.length).toBe(2);
    expect(r.chunks[0]?.tokens.slice(0, 4)).toEqual([BOS, 736, CAT, EOS]);
    expect(r.chunks[0]?.multipliers.slice(0, 4)).toEqual([1, 1.5, 1, 1]);
    expect(r.chunks[1]?.tokens.slice(0, 3)).toEqual([BOS, DOG, EOS]);
    expect(r.chunks[1]?.multipliers.slice(0, 3)).toEqual([1, 0.9090909090909091, 1]);
    for (const c of r.chunks) {
      expect(c.tokens.length).toBe(77);
      expect(c.multipliers.length).toBe(77);
    }
  });
  it('handles the empty prompt and BREAK at either end', () => {
    expect(tokenizeLine('', tok).chunks).toEqual([{ tokens: [BOS, ...new Array(76).fill(EOS)], multipliers: new Array(77).fill(1), used: 0 }]);
    expect(tokenizeLine('', tok).tokenCount).toBe(0);
    expect(tokenizeLine('cat BREAK', tok).chunks.length).toBe(1);
    const lead = tokenizeLine('BREAK cat', tok);
    expect(lead.chunks.length).toBe(2);
    expect(lead.chunks[0]?.tokens[1]).toBe(EOS);
    expect(lead.chunks[1]?.tokens[1]).toBe(CAT);
  });
  it('encodes a bracketed BREAK as the word "break" with its weight', () => {
    const r = tokenizeLine('(a BREAK b)', tok);
    expect(r.chunks.length).toBe(1);
    expect(r.chunks[0]?.tokens.slice(0, 5)).toEqual([BOS, ...tok.encode('a'), ...tok.encode('break'), ...tok.encode('b'), EOS]);
    expect(r.chunks[0]?.multipliers.slice(0, 5)).toEqual([1, 1.1, -1.1, 1.1, 1]);
  });
  it('tokenizes fragments separately, splitting words at emphasis boundaries', () => {
    const r = tokenizeLine('(pa)per', tok);
    expect(r.chunks[0]?.tokens.slice(0, 4)).toEqual([BOS, 2217, 1284, EOS]);
    expect(r.chunks[0]?.multipliers.slice(0, 4)).toEqual([1, 1.1, 1, 1]);
    expect(tokenizeLine('an (important) word', tok).chunks[0]?.tokens.slice(1, 4)).toEqual([550, 2829, 2653]);
  });
  it('emphasis modes: None keeps brackets as text, Ignore drops the weights', () => {
    const none = tokenizeLine('(cat)', tok, { emphasis: 'None' });
    expect(none.chunks[0]?.tokens.slice(0, 5)).toEqual([BOS, ...tok.encode('(cat)'), EOS]);
    const ign = tokenizeLine('(cat:1.5)', tok, { emphasis: 'Ignore' });
    expect(ign.chunks[0]?.multipliers[1]).toBe(1);
  });
  it('chunks a long real prompt into 77-id windows with every token kept in order', () => {
    const text = `${words('masterpiece, best quality', 30)}, (detailed:1.2) [blurry]`;
    const r = tokenizeLine(text, tok);
    const ids = r.chunks.flatMap((c) => c.tokens.slice(1, 76).filter((t) => t !== EOS));
    const want = [...tok.encode(`${words('masterpiece, best quality', 30)}, `), ...tok.encode('detailed'), ...tok.encode(' '), ...tok.encode('blurry')];
    expect(ids).toEqual(want);
    expect(r.chunks.length).toBe(Math.ceil(r.tokenCount / 75));
  });
});

describe('preparePrompts: negative padded to the same chunk count', () => {
  it('pads the shorter side with the empty chunk and strips extra-network tags from the positive only', () => {
    const p = preparePrompts(`<hypernet:anime:0.6> ${words('cat', 100)}`, 'ugly <hypernet:x:1>', tok);
    expect(p.positiveChunks).toBe(2);
    expect(p.negativeChunks).toBe(1);
    expect(p.negative.chunks.length).toBe(2);
    expect(p.negative.chunks[1]).toEqual({ tokens: [BOS, ...new Array(76).fill(EOS)], multipliers: new Array(77).fill(1), used: 0 });
    expect(p.extraNetworks.hypernets).toEqual([{ name: 'anime', multiplier: 0.6 }]);
    expect(p.negative.chunks[0]?.tokens.slice(1, 4)).not.toEqual([EOS, EOS, EOS]);
    const flat = flattenChunks(p.positive);
    expect(flat.ids.length).toBe(154);
    expect(flat.weights.length).toBe(154);
    expect(flat.chunkCount).toBe(2);
  });
});

describe('flattenChunks: the pad after EOS (A1111 process_tokens)', () => {
  it('keeps EOS padding for SD 1.x and pads with the pad id after the first EOS of each chunk for SD 2.x', () => {
    const p = preparePrompts(`${words('cat', 80)}`, '', tok).positive;
    const sd1 = flattenChunks(p, { eosId: EOS, padId: EOS });
    expect(Array.from(sd1.ids)).toEqual(Array.from(flattenChunks(p).ids));
    const sd2 = flattenChunks(p, { eosId: EOS, padId: 0 });
    p.chunks.forEach((c, i) => {
      const row = Array.from(sd2.ids.subarray(i * 77, (i + 1) * 77));
      const end = c.tokens.indexOf(EOS);
      expect(row.slice(0, end + 1), `chunk ${i} up to its EOS`).toEqual(c.tokens.slice(0, end + 1));
      expect(row.slice(end + 1), `chunk ${i} after its EOS`).toEqual(new Array(76 - end).fill(0));
    });
    // the second chunk holds 5 words: BOS, 5 tokens, EOS, then 70 pads
    expect(p.chunks[1]!.tokens.indexOf(EOS)).toBe(6);
  });
});

describe('applyEmphasis: A1111 "Original" mean restore', () => {
  it('reproduces the worked example of §5', () => {
    const out = applyEmphasis(Float32Array.from([1, 2, 3, 4]), [1, 2], 2, 'Original', 2);
    expect(Array.from(out)).toEqual([0.5882353, 1.1764706, 3.5294118, 4.7058825].map(Math.fround));
    expect(Array.from(applyEmphasis(Float32Array.from([1, 2, 3, 4]), [1, 2], 2, 'No norm', 2))).toEqual([1, 2, 6, 8]);
    expect(Array.from(applyEmphasis(Float32Array.from([1, 2, 3, 4]), [1, 2], 2, 'Ignore', 2))).toEqual([1, 2, 3, 4]);
  });
  it('normalizes each 77-token chunk on its own and keeps its mean', () => {
    const dim = 3;
    const z = new Float32Array(2 * 77 * dim).map((_, i) => Math.sin(i) + 0.5);
    const w = new Float32Array(154).fill(1);
    w[5] = 1.5;
    w[80] = 0.5;
    const out = applyEmphasis(z, w, dim);
    const m = (a: Float32Array, s: number, e: number) => a.slice(s, e).reduce((x, y) => x + y, 0) / (e - s);
    for (const c of [0, 1]) expect(m(out, c * 231, (c + 1) * 231)).toBeCloseTo(m(z, c * 231, (c + 1) * 231), 5);
    // unit-weight chunk rows are only rescaled by the chunk's ratio
    const ratio0 = (out[0] ?? 0) / (z[0] ?? 1);
    expect((out[15] ?? 0) / (z[15] ?? 1)).toBeCloseTo(1.5 * ratio0, 5);
    expect(() => applyEmphasis(z, w.slice(1), dim)).toThrow(expect.objectContaining({ code: 'internal-error' }));
  });
});

describe('extra-network tags', () => {
  it('strips every tag and returns hypernet tags in order with Python-float multipliers', () => {
    const r = parseExtraNetworks('a <hypernet:anime> cat <lora:detail:0.5>, <hypernet:Style_2:0.25:ignored> (x)<hypernet:n: -1e-1 >');
    expect(r.prompt).toBe('a  cat ,  (x)');
    expect(r.hypernets).toEqual([
      { name: 'anime', multiplier: 1.0 },
      { name: 'Style_2', multiplier: 0.25 },
      { name: 'n', multiplier: -0.1 },
    ]);
    expect(r.tags.map((t) => t.kind)).toEqual(['hypernet', 'lora', 'hypernet', 'hypernet']);
    expect(r.tags[1]?.items).toEqual(['detail', '0.5']);
    expect(r.hypernetError).toBeUndefined();
  });
  it('applies no tag hypernetworks when a multiplier is not a float (A1111 activate() raises)', () => {
    const r = parseExtraNetworks('<hypernet:a:1> <hypernet:b:x1>');
    expect(r.hypernets).toEqual([]);
    expect(r.hypernetError).toMatch(/x1/);
    expect(r.prompt).toBe(' ');
  });
  it('follows the regex <(\\w+):([^>]+)> (Unicode \\w, no empty args, no nesting)', () => {
    expect(parseExtraNetworks('<hypernet:>').tags).toEqual([]);
    expect(parseExtraNetworks('<hyper-net:x>').tags).toEqual([]);
    expect(parseExtraNetworks('<héllo:x>').tags[0]?.kind).toBe('héllo');
    expect(parseExtraNetworks('<<hypernet:a:2>>').prompt).toBe('<>');
    expect(parseExtraNetworks('<hypernet:a:b:c>').hypernetError).toMatch(/'b'/);
  });
});

describe('pyFloat = Python float()', () => {
  it.each([
    ['1', 1],
    [' 1.5 ', 1.5],
    ['-0.5', -0.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['1e-1', 0.1],
    ['1E+2', 100],
    ['1_000.5', 1000.5],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['\t2\n', 2],
  ])('%j -> %d', (s, v) => expect(pyFloat(s)).toBe(v));
  it('NaN and errors', () => {
    expect(pyFloat('nan')).toBeNaN();
    for (const bad of ['', '.', '1.2.3', '1e', 'e1', '_1', '1_', '1__0', '0x10', '1,5', 'one']) expect(pyFloat(bad), bad).toBeUndefined();
  });
});

describe('applyEmphasis vs PyTorch (emphasis.json)', () => {
  it('matches torch float32 within 1e-6 of the tensor scale', () => {
    const ref = loadRef<{ dim: number; z: number[]; weights: number[]; out: number[] }>('emphasis.json');
    const out = applyEmphasis(Float32Array.from(ref.z), ref.weights, ref.dim);
    const scale = Math.max(...ref.out.map(Math.abs));
    const err = Math.max(...ref.out.map((v, i) => Math.abs((out[i] ?? NaN) - v)));
    expect(err / scale).toBeLessThan(1e-6);
  });
});
