/** The heap BPE gives the reference loop's merges, and stays fast on words the loop needs minutes for. */
import { describe, expect, it } from 'vitest';
import { readRefText } from '../../../../test/reference/diffusion/load.ts';
import { rng } from '../../../../test/support/fuzz.ts';
import { isStudioError } from '../../errors.ts';
import { bpeMerge } from './bpe.ts';
import { ClipTokenizer, parseMerges } from './clip-tokenizer.ts';

/** OpenAI CLIP's `bpe()` loop, literally: rescan for the lowest-ranked pair, merge all its occurrences. */
function referenceBpe(word: string, ranks: ReadonlyMap<string, number>): string[] {
  const chars = Array.from(word);
  let parts = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`];
  while (parts.length > 1) {
    let best = Infinity;
    let pair: [string, string] = ['', ''];
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(`${parts[i]} ${parts[i + 1]}`);
      if (r !== undefined && r < best) [best, pair] = [r, [parts[i]!, parts[i + 1]!]];
    }
    if (best === Infinity) break;
    const next: string[] = [];
    for (let i = 0; i < parts.length; ) {
      if (parts[i] === pair[0] && parts[i + 1] === pair[1] && i + 1 < parts.length) {
        next.push(pair[0] + pair[1]);
        i += 2;
      } else next.push(parts[i++]!);
    }
    parts = next;
  }
  return parts;
}

const clipRanks = new Map(parseMerges(readRefText('clip/merges.txt')).map(([a, b], i) => [`${a} ${b}`, i]));

describe('heap BPE', () => {
  it('equals the reference loop with CLIP merges on 3000 random words', () => {
    const r = rng(11);
    const letters = 'aaabbeeilnorst'.split('');
    for (let i = 0; i < 3000; i++) {
      const word = Array.from({ length: 1 + Math.floor(r() * 24) }, () => letters[Math.floor(r() * letters.length)]).join('');
      expect(bpeMerge(word, clipRanks), word).toEqual(referenceBpe(word, clipRanks));
    }
  });

  it('equals the reference loop with small, even inconsistent, merge tables', () => {
    const r = rng(12);
    for (let t = 0; t < 300; t++) {
      const symbols = ['a', 'b', 'c', 'ab', 'ba', 'aa', 'bc', 'c</w>', 'a</w>', 'b</w>', 'aa</w>', 'ab</w>', 'abc'];
      const ranks = new Map<string, number>();
      for (let k = 0; k < 12; k++) ranks.set(`${symbols[Math.floor(r() * symbols.length)]} ${symbols[Math.floor(r() * symbols.length)]}`, Math.floor(r() * 8));
      for (let w = 0; w < 20; w++) {
        const word = Array.from({ length: 1 + Math.floor(r() * 12) }, () => 'abc'[Math.floor(r() * 3)]).join('');
        expect(bpeMerge(word, ranks), `${word} ${JSON.stringify([...ranks])}`).toEqual(referenceBpe(word, ranks));
      }
    }
  });

  it('tokenizes a 100,000-letter word in n log n (the loop needs minutes)', () => {
    const tok = ClipTokenizer.fromFiles(readRefText('clip/vocab.json'), readRefText('clip/merges.txt'));
    for (const word of ['a'.repeat(100_000), 'ab'.repeat(50_000), 'supercalifragilistic'.repeat(5_000)]) {
      const cpu = process.cpuUsage();
      const ids = tok.encode(word);
      expect(ids.length).toBeGreaterThan(1000);
      expect(process.cpuUsage(cpu).user).toBeLessThan(3_000_000);
    }
  }, 60_000);

  it('refuses an empty merges.txt as a bad model folder', () => {
    let error: unknown;
    try {
      ClipTokenizer.fromFiles(readRefText('clip/vocab.json'), '#version: 0.2\n');
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error) && error.code).toBe('bad-model-folder');
  });
});
