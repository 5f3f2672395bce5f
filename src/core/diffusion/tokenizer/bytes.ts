/**
 * GPT-2/CLIP byte-level alphabet: every byte maps to a printable Unicode character so BPE can run on strings
 * without whitespace/control characters. Same table as OpenAI's `bytes_to_unicode()`.
 */
function buildByteEncoder(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const table = new Array<string>(256).fill('');
  bs.forEach((b, i) => (table[b] = String.fromCharCode(cs[i] ?? 0)));
  return table;
}

/** byte -> character. */
export const BYTE_ENCODER: readonly string[] = buildByteEncoder();
/** character -> byte. */
export const BYTE_DECODER: ReadonlyMap<string, number> = new Map(BYTE_ENCODER.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

export function bytesToUnicode(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_ENCODER[b] ?? '';
  return out;
}
