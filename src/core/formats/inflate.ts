/**
 * DEFLATE / zlib decompression with a hard output bound, for bytes from untrusted files (zip entries, PNG
 * zTXt/iTXt). fflate's one-shot `inflateSync` keeps decoding after its output buffer is full (the extra bytes
 * are dropped, but the time is spent: a 1 MB bomb is ~1 GB of work), so the input is fed in small slices to
 * the streaming decoder and decoding stops as soon as the output passes its bound. Work and memory are then
 * at most `maxBytes` plus what one slice can expand to (1032 × SLICE ≈ 1 MiB).
 */
import { Inflate, Unzlib } from 'fflate';
import { StudioError, type ErrorCode } from '../errors.ts';

/** Input bytes per push: bounds the overshoot past `maxBytes` before decoding stops (as fast as one shot). */
const SLICE = 1024;

export interface InflateLimits {
  /** raw DEFLATE (zip) or the zlib wrapper (PNG) */
  format: 'deflate' | 'zlib';
  /** the exact size the container declares, when it declares one (zip); the output must match it */
  expectedSize?: number;
  /** the most bytes the caller accepts; more is a `limit-exceeded` error */
  maxBytes: number;
  /** names the data in messages ("Zip entry archive/data.pkl", "PNG zTXt chunk parameters") */
  what: string;
  /** the code for a stream that does not decode or does not match `expectedSize` */
  malformed: ErrorCode;
}

class Overflow extends Error {}

/** Decompresses `data` within `limits`; throws `StudioError` (never fflate's own errors). */
export function inflateBounded(data: Uint8Array, limits: InflateLimits): Uint8Array {
  const { expectedSize, maxBytes, what, malformed } = limits;
  if (expectedSize !== undefined && expectedSize > maxBytes) {
    throw new StudioError('limit-exceeded', `${what} declares ${expectedSize} bytes once inflated; the reader accepts at most ${maxBytes}.`, { declared: expectedSize, limit: maxBytes });
  }
  const cap = expectedSize ?? maxBytes;
  // a declared size is written in place; otherwise the pieces are kept (copied: the decoder may reuse them)
  const exact = expectedSize !== undefined ? new Uint8Array(expectedSize) : null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const onData = (chunk: Uint8Array): void => {
    if (total + chunk.length > cap) throw new Overflow();
    if (exact) exact.set(chunk, total);
    else chunks.push(chunk.slice());
    total += chunk.length;
  };
  const stream = limits.format === 'zlib' ? new Unzlib(onData) : new Inflate(onData);
  try {
    if (data.length === 0) stream.push(data, true);
    for (let at = 0; at < data.length; at += SLICE) stream.push(data.subarray(at, at + SLICE), at + SLICE >= data.length);
  } catch (e) {
    if (e instanceof Overflow) {
      if (expectedSize !== undefined) throw new StudioError(malformed, `${what} inflates to more than the ${expectedSize} bytes its header declares.`);
      throw new StudioError('limit-exceeded', `${what} inflates to more than ${maxBytes} bytes, the reader's limit (a decompression bomb?).`, { limit: maxBytes });
    }
    throw new StudioError(malformed, `${what} does not inflate: ${(e as Error).message}.`);
  }
  if (expectedSize !== undefined && total !== expectedSize) {
    throw new StudioError(malformed, `${what} inflates to ${total} bytes but its header declares ${expectedSize}.`);
  }
  if (exact) return exact;
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
