import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readHypernetwork, type Hypernetwork } from '../core/hypernetwork/index.ts';

/** Reads a `.pt` from disk through the core reader. */
export async function readHypernetworkFile(path: string): Promise<Hypernetwork> {
  const buf = await readFile(path);
  return readHypernetwork(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), basename(path));
}
