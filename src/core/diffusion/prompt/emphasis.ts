/**
 * A1111's `parse_prompt_attention` (modules/prompt_parser.py), token for token: `(x)` x1.1, `[x]` /1.1,
 * `(x:w)`, escapes, BREAK markers, unbalanced openers applied at the end, neighbours with equal weight merged.
 * Spec and reference tables: docs/prompt-weighting.md §2. Python regex semantics are kept where JS
 * differs: `\s` is Python's whitespace set and `\b` around BREAK uses Unicode word characters.
 */
import { StudioError } from '../../errors.ts';
import { PY_SPACE, PY_WORD } from '../python-text.ts';
import { pyFloat } from './pyfloat.ts';

export type Fragment = [text: string, weight: number];

/** The marker A1111 inserts for BREAK: text "BREAK" with weight exactly -1. */
export const BREAK_WEIGHT = -1;

const WS = PY_SPACE;
const WORD = PY_WORD;
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
/** BREAK as a word; the whitespace around it is taken by hand (a leading `\s*` in the regex is quadratic). */
const RE_BREAK_WORD = new RegExp(`(?<![${WORD}])BREAK(?![${WORD}])`, 'gu');
const IS_WS = new RegExp(`[${WS}]`, 'u');

/** Work (run multiplications) allowed per character of the prompt, plus a constant: see `WeightRuns`. */
const WORK_PER_CHAR = 64;
const WORK_SLACK = 1 << 20;

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

/**
 * `re.split(r"\s*\bBREAK\b\s*", text)` in linear time: each match takes the whitespace before BREAK (back
 * to the previous match) and after it.
 */
export function splitBreak(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(RE_BREAK_WORD)) {
    let start = m.index;
    if (start < last) continue;
    while (start > last && IS_WS.test(text[start - 1]!)) start--;
    let end = m.index + m[0].length;
    while (end < text.length && IS_WS.test(text[end]!)) end++;
    parts.push(text.slice(last, start));
    last = end;
  }
  parts.push(text.slice(last));
  return parts;
}

/**
 * The fragments' weights as runs of neighbours with equal weight. A1111 multiplies every fragment from a
 * bracket's start to the end at each closing bracket (quadratic on `(a(a(a…` or `\(\(\(…`); fragments of one
 * run share every later multiplication, so one multiply per run gives the same floats, in the same order.
 * Adversarial nesting can still make runs × brackets large, so that work has a budget linear in the prompt.
 */
class WeightRuns {
  readonly texts: string[] = [];
  private readonly start: number[] = [];
  private readonly weight: number[] = [];
  private work = 0;
  constructor(private readonly budget: number) {}

  push(text: string, w: number): void {
    if (this.weight.length === 0 || this.weight[this.weight.length - 1] !== w) {
      this.start.push(this.texts.length);
      this.weight.push(w);
    }
    this.texts.push(text);
  }

  /** A1111's `multiply_range(from, m)`: every fragment from `from` to the end. */
  multiplyFrom(from: number, m: number): void {
    if (from >= this.texts.length) return;
    let j = this.runAt(from);
    if (this.start[j]! < from) {
      this.start.splice(j + 1, 0, from);
      this.weight.splice(j + 1, 0, this.weight[j]!);
      j++;
    }
    this.work += this.weight.length - j;
    if (this.work > this.budget) {
      throw new StudioError('bad-prompt', `The prompt's brackets nest too deeply for its length (${this.texts.length} fragments): parsing it would take too long.`);
    }
    for (let k = j; k < this.weight.length; k++) this.weight[k]! *= m;
    // a neighbour that now has the same weight joins the run (keeps the run count small)
    if (j > 0 && this.weight[j - 1] === this.weight[j]) {
      this.start.splice(j, 1);
      this.weight.splice(j, 1);
    }
  }

  private runAt(fragment: number): number {
    let lo = 0;
    let hi = this.start.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.start[mid]! <= fragment) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Fragments with neighbours of equal weight merged, as A1111's final loop does. */
  fragments(): Fragment[] {
    const out: Fragment[] = [];
    for (let r = 0; r < this.weight.length; r++) {
      const text = this.texts.slice(this.start[r], this.start[r + 1] ?? this.texts.length).join('');
      const w = this.weight[r]!;
      const prev = out[out.length - 1];
      if (prev && prev[1] === w) prev[0] += text;
      else out.push([text, w]);
    }
    return out;
  }
}

/** Parse emphasis; throws PromptSyntaxError where A1111's float() raises (e.g. `(a:1.2.3)`). Linear time. */
export function parsePromptAttention(text: string): Fragment[] {
  const runs = new WeightRuns(WORK_PER_CHAR * text.length + WORK_SLACK);
  const round: number[] = [];
  const square: number[] = [];
  for (const m of text.matchAll(RE_ATTENTION)) {
    const tok = m[0];
    const weight = m[1];
    if (tok.startsWith('\\')) {
      runs.push(tok.slice(1), 1.0);
    } else if (tok === '(') {
      round.push(runs.texts.length);
    } else if (tok === '[') {
      square.push(runs.texts.length);
    } else if (weight !== undefined && round.length > 0) {
      const w = pyFloat(weight);
      if (w === undefined) throw new PromptSyntaxError(`could not convert string to float: '${weight}'`, m.index ?? 0);
      runs.multiplyFrom(round.pop() ?? 0, w);
    } else if (tok === ')' && round.length > 0) {
      runs.multiplyFrom(round.pop() ?? 0, ROUND_MULTIPLIER);
    } else if (tok === ']' && square.length > 0) {
      runs.multiplyFrom(square.pop() ?? 0, SQUARE_MULTIPLIER);
    } else {
      splitBreak(tok).forEach((part, i) => {
        if (i > 0) runs.push('BREAK', BREAK_WEIGHT);
        runs.push(part, 1.0);
      });
    }
  }
  for (const pos of round) runs.multiplyFrom(pos, ROUND_MULTIPLIER);
  for (const pos of square) runs.multiplyFrom(pos, SQUARE_MULTIPLIER);
  if (runs.texts.length === 0) runs.push('', 1.0);
  return runs.fragments();
}

export function isBreak(f: Fragment): boolean {
  return f[0] === 'BREAK' && f[1] === BREAK_WEIGHT;
}
