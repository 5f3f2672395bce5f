import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../tokenizer/index.ts';
import { padTokenId } from './open-model.ts';

const demo = (f: string) => readFileSync(new URL(`../../../../public/models/sd-shapes-demo/tokenizer/${f}`, import.meta.url), 'utf8');
const tokenizer = ClipTokenizer.fromFiles(demo('vocab.json'), demo('merges.txt'));

describe('padTokenId: what the text encoder input is padded with after EOS', () => {
  it("reads SD 2.x's '!' (id 0) as a string or an added-token object, and SD 1.x's EOS", () => {
    expect(padTokenId({ pad_token: '!' }, tokenizer)).toBe(0);
    expect(padTokenId({ pad_token: { content: '!', lstrip: false } }, tokenizer)).toBe(0);
    expect(padTokenId({ pad_token: '<|endoftext|>' }, tokenizer)).toBe(tokenizer.eosId);
  });

  it('falls back to EOS when the file is absent or names a token the vocabulary lacks', () => {
    expect(padTokenId({}, tokenizer)).toBe(tokenizer.eosId);
    expect(padTokenId({ pad_token: '<pad-not-in-vocab>' }, tokenizer)).toBe(tokenizer.eosId);
    expect(padTokenId({ pad_token: 7 }, tokenizer)).toBe(tokenizer.eosId);
  });
});
