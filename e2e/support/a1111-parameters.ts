/** An independent reader of PNG text chunks and A1111's `parameters` format (not the app's code). */
import { expect } from '@playwright/test';
import { inflateSync } from 'node:zlib';

/** tEXt / iTXt / zTXt chunks of a PNG, read straight from the bytes (not the app's reader). */
export function pngTextChunks(bytes: Buffer): Record<string, string> {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: Record<string, string> = {};
  for (let at = 8; at < bytes.length; ) {
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + len);
    const nul = data.indexOf(0);
    if (type === 'tEXt') out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    if (type === 'zTXt') out[data.toString('latin1', 0, nul)] = inflateSync(data.subarray(nul + 2)).toString('latin1');
    if (type === 'iTXt') {
      let p = data.indexOf(0, nul + 3) + 1;
      p = data.indexOf(0, p) + 1;
      const body = data.subarray(p);
      out[data.toString('latin1', 0, nul)] = (data[nul + 1] === 1 ? inflateSync(body) : body).toString('utf8');
    }
    if (type === 'IEND') break;
    at += 12 + len;
  }
  return out;
}

export interface A1111Parameters {
  prompt: string;
  negative: string;
  fields: Record<string, string>;
}

/**
 * A1111's layout (modules/infotext_utils.py): prompt lines, an optional "Negative prompt: " block, then one
 * last line of "Key: value" pairs separated by ", ", values holding ',' or ':' JSON-quoted.
 */
export function parseA1111(text: string): A1111Parameters {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const fields: Record<string, string> = {};
  const re = /\s*([\w][\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
  for (const m of last.matchAll(re)) fields[m[1]!.trim()] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!.trim();
  const negAt = lines.findIndex((l) => l.startsWith('Negative prompt: '));
  const prompt = (negAt < 0 ? lines : lines.slice(0, negAt)).join('\n');
  const negative = negAt < 0 ? '' : [lines[negAt]!.slice('Negative prompt: '.length), ...lines.slice(negAt + 1)].join('\n');
  return { prompt, negative, fields };
}

