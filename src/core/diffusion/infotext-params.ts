/**
 * The "Steps: 20, Sampler: Euler a, …" line of A1111's infotext, matched as A1111's `re_param`
 *   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
 * matches it with `re.finditer` — the same matches, in linear time. The regex itself is quadratic on a long
 * line without colons (every start position rescans the run of key characters), which froze the page for
 * 13 s on a 100 KB PNG; here every position's runs are precomputed in one backward pass, so a failed
 * attempt costs O(1). Python's `\s` and `\w` (Unicode) are used, and positions step by code point.
 */

import { PY_SPACE, PY_WORD } from './python-text.ts';

const WS = new RegExp(`[${PY_SPACE}]`, 'u');
const WORD = new RegExp(`[${PY_WORD}]`, 'u');
const IS_WS = 1;
const IS_WORD = 2;
const IS_KEY = 4;

function classOf(ch: string): number {
  return (WS.test(ch) ? IS_WS : 0) | (WORD.test(ch) ? IS_WORD | IS_KEY : 0) | (ch === ' ' || ch === '-' || ch === '/' ? IS_KEY : 0);
}
const ASCII = Uint8Array.from({ length: 128 }, (_, c) => classOf(String.fromCharCode(c)));

/** (key, raw value) pairs in order; the value keeps its quotes, as `findall` returns it. */
export function scanParams(line: string): [key: string, value: string][] {
  const n = line.length;
  const cls = new Uint8Array(n + 1);
  const width = new Uint8Array(n + 1);
  for (let i = 0; i < n; ) {
    const unit = line.charCodeAt(i);
    if (unit < 128) {
      cls[i] = ASCII[unit]!;
      width[i++] = 1;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const c = classOf(String.fromCodePoint(cp));
    cls[i] = c;
    width[i] = w;
    if (w === 2) {
      cls[i + 1] = c;
      width[i + 1] = 1;
    }
    i += w;
  }
  // end of the run of whitespace / key characters starting at i, and the next comma at or after i
  const wsEnd = new Int32Array(n + 1).fill(n);
  const keyEnd = new Int32Array(n + 1).fill(n);
  const comma = new Int32Array(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    wsEnd[i] = cls[i]! & IS_WS ? wsEnd[i + 1]! : i;
    keyEnd[i] = cls[i]! & IS_KEY ? keyEnd[i + 1]! : i;
    comma[i] = line.charCodeAt(i) === 0x2c ? i : comma[i + 1]!;
  }

  /** end of a `"(?:\\.|[^\\"])+"` starting at s followed by `,` or the end, or -1 */
  const quoted = (s: string, from: number): number => {
    let i = from + 1;
    let items = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        // `\\.`: Python's `.` is any code point but a newline
        if (i + 1 >= n || s.charCodeAt(i + 1) === 0x0a) return -1;
        i += 1 + width[i + 1]!;
      } else i += width[i]!;
      items++;
    }
    if (i >= n || items === 0) return -1;
    const after = i + 1;
    if (after === n) return n;
    return s.charCodeAt(after) === 0x2c ? after + 1 : -1;
  };

  const out: [string, string][] = [];
  for (let p = 0; p < n; ) {
    const q = wsEnd[p]!;
    const r = q < n && cls[q]! & IS_WORD ? keyEnd[q]! : q;
    // `\w[\w \-/]+` needs two code points, then the colon right after the run
    if (r - q < width[q]! + 1 || line.charCodeAt(r) !== 0x3a) {
      p += Math.max(1, width[p]!);
      continue;
    }
    const s = wsEnd[r + 1]!;
    const closing = s < n && line.charCodeAt(s) === 0x22 ? quoted(line, s) : -1;
    let end: number;
    let value: string;
    if (closing >= 0) {
      value = line.slice(s, line.charCodeAt(closing - 1) === 0x2c ? closing - 1 : closing);
      end = closing;
    } else {
      value = line.slice(s, comma[s]!);
      end = comma[s]! < n ? comma[s]! + 1 : n;
    }
    out.push([line.slice(q, r), value]);
    p = end;
  }
  return out;
}
