/**
 * Prompt parsing on hostile prompts: the same fragments and tags as A1111's regex code (checked against a
 * literal port on random prompts), in linear time, with input-size budgets and no silent infinite weights.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/outcome.ts';
import { readRefText } from '../../../../test/reference/diffusion/load.ts';
import { rng } from '../../../../test/support/fuzz.ts';
import { ClipTokenizer } from '../tokenizer/index.ts';
import { applyEmphasis, MAX_PROMPT_CHUNKS, parseExtraNetworks, parsePromptAttention, preparePrompts, tokenizeLine, type Fragment } from './index.ts';
import { findExtraNetworks } from './hypernet-tags.ts';
import { pyFloat } from './pyfloat.ts';

const WS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD = '\\p{L}\\p{N}_';
const RE_ATTENTION = new RegExp(
  ['\\\\\\(', '\\\\\\)', '\\\\\\[', '\\\\\\]', '\\\\\\\\', '\\\\', '\\(', '\\[', `:[${WS}]*([+-]?[.\\d]+)[${WS}]*\\)`, '\\)', '\\]', '[^\\\\()\\[\\]:]+', ':'].join('|'),
  'gu',
);
const RE_BREAK = new RegExp(`[${WS}]*(?<![${WORD}])BREAK(?![${WORD}])[${WS}]*`, 'u');

/** A1111's parse_prompt_attention, line for line (quadratic: fine on short prompts). */
function referenceAttention(text: string): Fragment[] {
  const res: Fragment[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiply = (start: number, m: number) => {
    for (let p = start; p < res.length; p++) res[p]![1] *= m;
  };
  for (const m of text.matchAll(RE_ATTENTION)) {
    const tok = m[0];
    if (tok.startsWith('\\')) res.push([tok.slice(1), 1.0]);
    else if (tok === '(') round.push(res.length);
    else if (tok === '[') square.push(res.length);
    else if (m[1] !== undefined && round.length > 0) {
      const w = pyFloat(m[1]);
      if (w === undefined) throw new Error(`could not convert string to float: '${m[1]}'`);
      multiply(round.pop()!, w);
    }
    else if (tok === ')' && round.length > 0) multiply(round.pop()!, 1.1);
    else if (tok === ']' && square.length > 0) multiply(square.pop()!, 1 / 1.1);
    else
      tok.split(RE_BREAK).forEach((part, i) => {
        if (i > 0) res.push(['BREAK', -1]);
        res.push([part, 1.0]);
      });
  }
  for (const pos of round) multiply(pos, 1.1);
  for (const pos of square) multiply(pos, 1 / 1.1);
  if (res.length === 0) res.push(['', 1.0]);
  for (let i = 0; i + 1 < res.length; ) {
    if (res[i]![1] === res[i + 1]![1]) {
      res[i]![0] += res[i + 1]![0];
      res.splice(i + 1, 1);
    } else i++;
  }
  return res;
}

const RE_EXTRA_NET = /<([\p{L}\p{N}_]+):([^>]+)>/gu;
const PIECES = ['(', ')', '[', ']', ':', ':1.5)', ': 0.5 )', '\\(', '\\)', '\\\\', '\\', 'a', 'cat', ' ', '  ', '\t', 'BREAK', ' BREAK ', 'éBREAK', ',', '<', '>', '<hypernet:x:0.5>', '<a:', 'b', '1', '.', '猫'];

function randomPrompt(r: () => number, pieces = 30): string {
  return Array.from({ length: Math.floor(r() * pieces) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
}


/** CPU microseconds of `run` (not wall-clock: the CI machine is shared). */
function cpuOf(run: () => unknown): number {
  const cpu = process.cpuUsage();
  try {
    run();
  } catch {
    // outcomes are checked separately
  }
  const used = process.cpuUsage(cpu);
  return used.user + used.system;
}

let tok: ClipTokenizer;
beforeAll(() => {
  tok = ClipTokenizer.fromFiles(readRefText('clip/vocab.json'), readRefText('clip/merges.txt'));
});

describe('the linear parsers give what A1111 regex code gives', () => {
  it('emphasis: same fragments and weights (to the bit), or the same float() error, on 5000 random prompts', () => {
    const r = rng(21);
    const outcome = (run: () => Fragment[]): Fragment[] | string => {
      try {
        return run();
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    for (let i = 0; i < 5000; i++) {
      const p = randomPrompt(r);
      expect(outcome(() => parsePromptAttention(p)), JSON.stringify(p)).toEqual(outcome(() => referenceAttention(p)));
    }
  });

  it('extra networks: same matches as <(\\w+):([^>]+)> on 5000 random prompts', () => {
    const r = rng(22);
    for (let i = 0; i < 5000; i++) {
      const p = randomPrompt(r);
      const expected = [...p.matchAll(RE_EXTRA_NET)].map((m) => ({ index: m.index, end: m.index + m[0].length, kind: m[1], args: m[2] }));
      expect(findExtraNetworks(p), JSON.stringify(p)).toEqual(expected);
      expect(parseExtraNetworks(p).prompt).toBe(p.replace(RE_EXTRA_NET, ''));
    }
  });
});

describe('hostile prompts end in bounded time', () => {
  const n = 90_000;
  const cases: [string, string][] = [
    ['nested parentheses', `${'('.repeat(n / 2)}a${')'.repeat(n / 2)}`],
    ['interleaved brackets', '([a)]'.repeat(n / 5)],
    ['unclosed openers', '(a['.repeat(n / 3)],
    ['escaped parentheses', '\\('.repeat(n / 2)],
    ['closing chain', `${'('.repeat(n / 4)}${'a:1.0001)'.repeat(n / 12)}`],
    ['whitespace run', `a${' '.repeat(n)}b`],
    ['whitespace run before BREAK', `a${' '.repeat(n)}BREAK b`],
    ['unclosed extra network', '<a:'.repeat(n / 3)],
    ['colon digit runs', ':1'.repeat(n / 2)],
  ];
  it.each(cases)('%s (%#)', (_what, prompt) => {
    // A1111's code (and this app before) took from seconds to minutes on each of these
    expect(cpuOf(() => parsePromptAttention(prompt))).toBeLessThan(2_000_000);
    expect(cpuOf(() => parseExtraNetworks(prompt))).toBeLessThan(2_000_000);
    expect(cpuOf(() => preparePrompts(prompt, prompt, tok))).toBeLessThan(4_000_000);
    expect(['ok', 'bad-prompt']).toContain(codeOf(() => preparePrompts(prompt, '', tok)));
  }, 60_000);

  it('refuses a flood of BREAKs and an oversized prompt before encoding anything', () => {
    const breaks = 'BREAK '.repeat(20_000); // 120 KB: 20,000 chunks for the text encoder
    expect(codeOf(() => preparePrompts(breaks, '', tok))).toBe('bad-prompt');
    expect(codeOf(() => preparePrompts('BREAK '.repeat(MAX_PROMPT_CHUNKS + 1), '', tok))).toBe('bad-prompt');
    expect(preparePrompts('BREAK '.repeat(MAX_PROMPT_CHUNKS), '', tok).positive.chunks).toHaveLength(MAX_PROMPT_CHUNKS);
    expect(codeOf(() => preparePrompts('a', 'x'.repeat(200_000), tok))).toBe('bad-prompt');
  });

  it('refuses a budget-breaking nest of distinct weights instead of spending quadratic time', () => {
    // every close multiplies every earlier fragment, and alternating weights keep them distinct and finite:
    // 80,000 closes would be 3.2·10^9 multiplications (seconds); the budget stops at a few hundred thousand
    const n = 80_000;
    const prompt = `${'('.repeat(n)}${Array.from({ length: n }, (_, i) => (i % 2 ? 'w:0.9999)' : 'w:1.0001)')).join('')}`;
    expect(cpuOf(() => expect(codeOf(() => parsePromptAttention(prompt))).toBe('bad-prompt'))).toBeLessThan(1_500_000);
  }, 60_000);

  it('finds extra-network tags in 300,000 characters of unclosed <a: (the regex rescans to the end from each <)', () => {
    const prompt = `<hypernet:x:0.5> ${'<a:'.repeat(100_000)}`;
    expect(cpuOf(() => expect(parseExtraNetworks(prompt).hypernets).toEqual([{ name: 'x', multiplier: 0.5 }]))).toBeLessThan(1_000_000);
  }, 60_000);
});

describe('infinite emphasis is an error, not a black image', () => {
  it.each([
    ['1e400 as digits', `(cat:${'9'.repeat(400)})`],
    ['8000 nested parentheses', `${'('.repeat(8000)}cat${')'.repeat(8000)}`],
  ])('%s', (_what, prompt) => {
    expect(codeOf(() => tokenizeLine(prompt, tok))).toBe('bad-prompt');
  });

  it('lets an infinite weight on text without tokens pass, as it changes nothing', () => {
    expect(codeOf(() => tokenizeLine(`(  :${'9'.repeat(400)}) cat`, tok))).toBe('ok');
  });

  it('refuses weights that cancel a chunk out in the mean-restoring step', () => {
    const z = new Float32Array(4 * 2).fill(1);
    expect(codeOf(() => applyEmphasis(z, [0, 0, 0, 0], 2, 'Original', 4))).toBe('bad-prompt');
    expect(codeOf(() => applyEmphasis(z, [1, 1, 2, 1], 2, 'Original', 4))).toBe('ok');
  });
});
