/**
 * Streaming SHA-256 (Web Crypto's digest needs the whole buffer, which a multi-GB U-Net is not). @noble/hashes
 * is audited, dependency-free and pure JS, so the core stays runnable in workers, Node and tests alike.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface Sha256 {
  update(chunk: Uint8Array): void;
  /** lowercase hex */
  hex(): string;
}

export function createSha256(): Sha256 {
  const hash = sha256.create();
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => bytesToHex(hash.digest()),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}
