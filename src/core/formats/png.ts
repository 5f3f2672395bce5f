/**
 * PNG with text metadata. Pixels are encoded and decoded by fast-png; text chunks are written here (and read
 * in `png-text.ts`) because A1111 (through PIL) stores `parameters` as tEXt when the text is Latin-1 and as
 * iTXt (UTF-8) otherwise, and fast-png handles Latin-1 tEXt only.
 */
import { encode as encodePixels, decode as decodePixels } from 'fast-png';
import type { RgbaImage } from '../progress.ts';
import { crc32 } from './crc32.ts';

export { isPng, readPngText, readPngTextChunks, type PngTextChunks, type PngTextProblem } from './png-text.ts';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function textChunk(keyword: string, text: string): Uint8Array {
  const kw = Uint8Array.from(keyword, (c) => c.charCodeAt(0));
  if ([...text].every((c) => c.charCodeAt(0) <= 0xff)) {
    const data = new Uint8Array(kw.length + 1 + text.length);
    data.set(kw);
    for (let i = 0; i < text.length; i++) data[kw.length + 1 + i] = text.charCodeAt(i);
    return chunk('tEXt', data);
  }
  // iTXt: keyword \0, compression flag 0, method 0, empty language \0, empty translated keyword \0, UTF-8 text
  const body = new TextEncoder().encode(text);
  const data = new Uint8Array(kw.length + 5 + body.length);
  data.set(kw);
  data.set(body, kw.length + 5);
  return chunk('iTXt', data);
}

/** RGBA pixels → PNG bytes with the given text chunks (placed right after IHDR, as PIL does). */
export function encodePng(image: RgbaImage, text: Record<string, string> = {}): Uint8Array {
  const png = encodePixels({ width: image.width, height: image.height, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), channels: 4, depth: 8 });
  const ihdrEnd = 8 + 12 + 13;
  const chunks = Object.entries(text).map(([k, v]) => textChunk(k, v));
  const out = new Uint8Array(png.length + chunks.reduce((a, c) => a + c.length, 0));
  out.set(png.subarray(0, ihdrEnd));
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}

/** PNG bytes → RGBA (any bit depth/colour type fast-png reads, converted to 8-bit RGBA). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = decodePixels(bytes);
  const n = png.width * png.height;
  const data = new Uint8ClampedArray(n * 4);
  const src = png.data;
  const scale = png.depth === 16 ? 1 / 257 : 1;
  for (let i = 0; i < n; i++) {
    const c = png.channels;
    const g = src[i * c]! * scale;
    data[i * 4] = g;
    data[i * 4 + 1] = c >= 3 ? src[i * c + 1]! * scale : g;
    data[i * 4 + 2] = c >= 3 ? src[i * c + 2]! * scale : g;
    data[i * 4 + 3] = c === 4 ? src[i * c + 3]! * scale : c === 2 ? src[i * c + 1]! * scale : 255;
  }
  return { width: png.width, height: png.height, data };
}
