/**
 * PNGs with hand-made text chunks for hostile tests: tEXt, zTXt, iTXt (plain or compressed, with any
 * stream), wrong CRCs, lying lengths — around a real 1×1 image.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../../src/core/formats/crc32.ts';
import { concat } from './bytes.ts';
import { encodePng } from '../../src/core/formats/png.ts';

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface ChunkSpec {
  type: string;
  data: Uint8Array;
  /** written instead of the right CRC */
  crc?: number;
  /** written instead of the real length */
  length?: number;
}


export function chunk(c: ChunkSpec): Uint8Array {
  const out = new Uint8Array(12 + c.data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, c.length ?? c.data.length);
  out.set(latin1(c.type), 4);
  out.set(c.data, 8);
  dv.setUint32(8 + c.data.length, c.crc ?? crc32(out.subarray(4, 8 + c.data.length)));
  return out;
}

export const tEXt = (keyword: string, text: string): ChunkSpec => ({ type: 'tEXt', data: concat([latin1(keyword), new Uint8Array([0]), latin1(text)]) });

/** zTXt with `text` compressed, or with `stream` as the compressed bytes */
export const zTXt = (keyword: string, text: string, stream?: Uint8Array): ChunkSpec => ({
  type: 'zTXt',
  data: concat([latin1(keyword), new Uint8Array([0, 0]), stream ?? zlibSync(latin1(text))]),
});

export const iTXt = (keyword: string, text: string, opts: { compressed?: boolean; stream?: Uint8Array } = {}): ChunkSpec => ({
  type: 'iTXt',
  data: concat([latin1(keyword), new Uint8Array([0, opts.compressed || opts.stream ? 1 : 0, 0]), latin1('en'), new Uint8Array([0]), new Uint8Array([0]), opts.stream ?? (opts.compressed ? zlibSync(utf8(text)) : utf8(text))]),
});

/** A 1×1 PNG with `chunks` after IHDR (where PIL writes text); `truncateAt` cuts the file. */
export function pngWith(chunks: ChunkSpec[], opts: { truncateAt?: number } = {}): Uint8Array {
  const base = encodePng({ width: 1, height: 1, data: new Uint8ClampedArray([10, 20, 30, 255]) });
  const ihdrEnd = 8 + 12 + 13;
  const out = concat([base.subarray(0, ihdrEnd), ...chunks.map(chunk), base.subarray(ihdrEnd)]);
  return opts.truncateAt === undefined ? out : out.subarray(0, opts.truncateAt);
}
