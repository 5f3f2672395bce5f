/**
 * A1111's `parse_prompt_attention` (modules/prompt_parser.py), token for token: `(x)` x1.1, `[x]` /1.1,
 * `(x:w)`, escapes, BREAK markers, unbalanced openers applied at the end, neighbours with equal weight merged.
 * Spec and reference tables: docs/prompt-weighting.md §2. Python regex semantics are kept where JS
 * differs: `\s` is Python's whitespace set and `\b` around BREAK uses Unicode word characters.
 */
import { StudioError } from '../../errors.ts';
import { pyFloat } from './pyfloat.ts';

export type Fragment = [text: string, weight: number];

/** The marker A1111 inserts for BREAK: text "BREAK" with weight exactly -1. */
export const BREAK_WEIGHT = -1;

const WS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD = '\\p{L}\\p{N}_';
const RE_ATTENTION = new RegExp(
  [
    '\\\\\\(',
    '\\\\\\)',
    '\\\\\\[',
    '\\\\\\]',
    '\\\\\\\\',
    '\\\\',
    '\\(',
    '\\[',
    `:[${WS}]*([+-]?[.\\d]+)[${WS}]*\\)`,
    '\\)',
    '\\]',
    '[^\\\\()\\[\\]:]+',
    ':',
  ].join('|'),
  'gu',
);
const RE_BREAK = new RegExp(`[${WS}]*(?<![${WORD}])BREAK(?![${WORD}])[${WS}]*`, 'u');

/** Emphasis syntax that A1111 rejects (a weight its float() cannot read). */
export class PromptSyntaxError extends StudioError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super('bad-prompt', message, { offset });
  }
}

export const ROUND_MULTIPLIER = 1.1;
export const SQUARE_MULTIPLIER = 1 / 1.1;

/** Parse emphasis; throws PromptSyntaxError where A1111's float() raises (e.g. `(a:1.2.3)`). */
export function parsePromptAttention(text: string): Fragment[] {
  const res: Fragment[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiplyRange = (start: number, m: number) => {
    for (let p = start; p < res.length; p++) {
      const f = res[p];
      if (f) f[1] *= m;
    }
  };
  for (const m of text.matchAll(RE_ATTENTION)) {
    const tok = m[0];
    const weight = m[1];
    if (tok.startsWith('\\')) {
      res.push([tok.slice(1), 1.0]);
    } else if (tok === '(') {
      round.push(res.length);
    } else if (tok === '[') {
      square.push(res.length);
    } else if (weight !== undefined && round.length > 0) {
      const w = pyFloat(weight);
      if (w === undefined) throw new PromptSyntaxError(`could not convert string to float: '${weight}'`, m.index ?? 0);
      multiplyRange(round.pop() ?? 0, w);
    } else if (tok === ')' && round.length > 0) {
      multiplyRange(round.pop() ?? 0, ROUND_MULTIPLIER);
    } else if (tok === ']' && square.length > 0) {
      multiplyRange(square.pop() ?? 0, SQUARE_MULTIPLIER);
    } else {
      tok.split(RE_BREAK).forEach((part, i) => {
        if (i > 0) res.push(['BREAK', BREAK_WEIGHT]);
        res.push([part, 1.0]);
      });
    }
  }
  for (const pos of round) multiplyRange(pos, ROUND_MULTIPLIER);
  for (const pos of square) multiplyRange(pos, SQUARE_MULTIPLIER);
  if (res.length === 0) res.push(['', 1.0]);
  for (let i = 0; i + 1 < res.length; ) {
    const a = res[i];
    const b = res[i + 1];
    if (a && b && a[1] === b[1]) {
      a[0] += b[0];
      res.splice(i + 1, 1);
    } else {
      i++;
    }
  }
  return res;
}

export function isBreak(f: Fragment): boolean {
  return f[0] === 'BREAK' && f[1] === BREAK_WEIGHT;
}
