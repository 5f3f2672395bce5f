/**
 * Text chunks of a PNG (tEXt, zTXt, iTXt), as PIL reads them into `Image.info` — A1111 writes `parameters`
 * as tEXt (Latin-1) or iTXt (UTF-8); other tools write zTXt or compressed iTXt, which are read too.
 *
 * Every chunk is walked inside the file; a text chunk is used only when its CRC-32 matches, and compressed
 * text inflates under a bound per chunk and for the whole file, so a small PNG cannot grow into gigabytes
 * (a zTXt bomb). A damaged or oversized chunk is skipped and reported; only a file that is not a PNG at all
 * is an error. Work: one pass over the chunk headers, CRC and decoding of text chunks only (never IDAT).
 */
import { StudioError, type ErrorCode } from '../errors.ts';
import { crc32 } from './crc32.ts';
import { inflateBounded } from './inflate.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Decompressed bytes one text chunk may have: A1111's `parameters` are a few KB. */
export const MAX_TEXT_CHUNK_BYTES = 1 << 20;
/** Text bytes a file may have in all, compressed or not. */
export const MAX_TEXT_TOTAL_BYTES = 8 << 20;
const MAX_KEYWORD = 79;

export interface PngTextProblem {
  /** the chunk type (tEXt, zTXt, iTXt, or the damaged one) */
  chunk: string;
  keyword: string | null;
  code: ErrorCode;
  message: string;
}

export interface PngTextChunks {
  /** keyword → text; a later chunk with the same keyword wins, as in PIL */
  text: Record<string, string>;
  /** chunks skipped, and why */
  problems: PngTextProblem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** ISO-8859-1, as PIL decodes tEXt/zTXt (TextDecoder's "latin1" is windows-1252: 0x80–0x9F differ). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 8192) out += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return out;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

class ChunkError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface TextBudget {
  left: number;
}

function inflateText(data: Uint8Array, type: string, keyword: string, budget: TextBudget): Uint8Array {
  const maxBytes = Math.min(MAX_TEXT_CHUNK_BYTES, budget.left);
  try {
    return inflateBounded(data, { format: 'zlib', maxBytes, what: `The ${type} chunk "${keyword}"`, malformed: 'corrupt-png' });
  } catch (e) {
    if (e instanceof StudioError) throw new ChunkError(e.code, e.message);
    throw e;
  }
}

/** One text chunk's keyword and text; throws ChunkError when it is malformed. */
function readTextChunk(type: string, data: Uint8Array, budget: TextBudget): [string, string] {
  const nul = data.subarray(0, MAX_KEYWORD + 1).indexOf(0);
  if (nul < 1) throw new ChunkError('corrupt-png', `A ${type} chunk has no keyword (1–79 bytes, then a zero byte).`);
  const keyword = latin1(data.subarray(0, nul));
  let text: string;
  let bytes: number;
  if (type === 'tEXt') {
    const body = data.subarray(nul + 1);
    bytes = body.length;
    text = latin1(body);
  } else if (type === 'zTXt') {
    if (data[nul + 1] !== 0) throw new ChunkError('corrupt-png', `The zTXt chunk "${keyword}" uses compression method ${data[nul + 1]}; PNG defines only 0.`);
    const body = inflateText(data.subarray(nul + 2), type, keyword, budget);
    bytes = body.length;
    text = latin1(body);
  } else {
    // iTXt: keyword, compression flag, method, language tag \0, translated keyword \0, UTF-8 text
    const compressed = data[nul + 1];
    if (compressed !== 0 && compressed !== 1) throw new ChunkError('corrupt-png', `The iTXt chunk "${keyword}" has compression flag ${compressed}.`);
    if (compressed === 1 && data[nul + 2] !== 0) throw new ChunkError('corrupt-png', `The iTXt chunk "${keyword}" uses compression method ${data[nul + 2]}; PNG defines only 0.`);
    const lang = data.indexOf(0, nul + 3);
    const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
    if (translated < 0) throw new ChunkError('corrupt-png', `The iTXt chunk "${keyword}" is missing its language tag or translated keyword.`);
    const body = compressed ? inflateText(data.subarray(translated + 1), type, keyword, budget) : data.subarray(translated + 1);
    bytes = body.length;
    try {
      text = utf8.decode(body);
    } catch {
      throw new ChunkError('corrupt-png', `The iTXt chunk "${keyword}" is not valid UTF-8.`);
    }
  }
  if (bytes > Math.min(MAX_TEXT_CHUNK_BYTES, budget.left)) {
    throw new ChunkError('limit-exceeded', `The ${type} chunk "${keyword}" holds ${bytes} bytes of text; the reader accepts ${MAX_TEXT_CHUNK_BYTES} per chunk and ${MAX_TEXT_TOTAL_BYTES} per file.`);
  }
  budget.left -= bytes;
  return [keyword, text];
}

/** All text chunks of a PNG. Throws `not-a-png` only; damaged chunks are skipped into `problems`. */
export function readPngTextChunks(bytes: Uint8Array): PngTextChunks {
  if (!isPng(bytes)) throw new StudioError('not-a-png', 'This is not a PNG file (its first 8 bytes are not the PNG signature).');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: PngTextProblem[] = [];
  const budget: TextBudget = { left: MAX_TEXT_TOTAL_BYTES };
  let at = 8;
  for (;;) {
    if (at === bytes.length) {
      problems.push({ chunk: 'IEND', keyword: null, code: 'truncated', message: 'The PNG ends without its IEND chunk: the file is truncated.' });
      break;
    }
    if (at + 12 > bytes.length) {
      problems.push({ chunk: '?', keyword: null, code: 'truncated', message: 'The PNG ends inside a chunk header: the file is truncated.' });
      break;
    }
    const len = dv.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    if (len > 0x7fffffff || at + 12 + len > bytes.length) {
      problems.push({ chunk: type, keyword: null, code: 'truncated', message: `The ${JSON.stringify(type)} chunk claims ${len} bytes but the file ends first: it is truncated or damaged.` });
      break;
    }
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const data = bytes.subarray(at + 8, at + 8 + len);
      const stored = dv.getUint32(at + 8 + len);
      try {
        if (crc32(bytes.subarray(at + 4, at + 8 + len)) !== stored) throw new ChunkError('corrupt-png', `A ${type} chunk fails its CRC-32 check: the file is damaged.`);
        const [keyword, value] = readTextChunk(type, data, budget);
        text[keyword] = value;
      } catch (e) {
        if (!(e instanceof ChunkError)) throw e;
        const nul = data.subarray(0, MAX_KEYWORD + 1).indexOf(0);
        problems.push({ chunk: type, keyword: nul > 0 ? latin1(data.subarray(0, nul)) : null, code: e.code, message: e.message });
      }
    }
    at += 12 + len;
    if (type === 'IEND') break;
  }
  return { text, problems };
}

/** Text chunks of a PNG, keyword → text (damaged chunks skipped). */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  return readPngTextChunks(bytes).text;
}
