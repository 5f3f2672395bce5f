/** Integer and string literals of the pickle protocols, decoded under the reader's limits. */
import { limit, malformed } from './pickle-values.ts';

/** Decimal digits of the largest integer LONG1/LONG4 may carry (2^32768 has 9,865). */
const MAX_INT_TEXT = 10_000;
const latin1 = new TextDecoder('latin1');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Two's-complement little-endian integer (LONG1/LONG4), through one hex string (linear, not a shift per byte). */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += HEX[bytes[i]!];
  let v = BigInt(`0x${hex}`);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Protocol 0 INT/LONG text, under the same size cap as LONG1/LONG4. */
export function parseIntText(text: string): number | bigint {
  if (text.length > MAX_INT_TEXT) limit('integer size in digits', MAX_INT_TEXT);
  const t = text.trim().replace(/L$/, '');
  if (!/^[+-]?\d+$/.test(t)) malformed(`bad integer literal "${text.slice(0, 40)}"`);
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python 2 `repr(str)` as written by protocol 0 STRING. */
export function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) malformed('bad STRING literal');
  const body = text.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? `\\${e}`;
  });
}

/** Protocol 0 UNICODE: raw-unicode-escape (a `\\U` escape beyond U+10FFFF is malformed, as in Python). */
export function rawUnicodeEscape(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, b?: string) => {
    const code = parseInt((a ?? b)!, 16);
    if (code > 0x10ffff) malformed(`\\U escape beyond U+10FFFF (${(a ?? b)!})`);
    return String.fromCodePoint(code);
  });
}
