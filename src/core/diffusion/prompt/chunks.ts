/**
 * A1111's `tokenize_line` (modules/sd_hijack_clip.py): fragments -> 75-token chunks, each wrapped as
 * [BOS] + 75 + [EOS] = 77 ids with per-token weights. Breaks at BREAK, and when a chunk fills up, moves the
 * tokens after the last comma (if within `commaPaddingBacktrack` tokens of the end) to the next chunk.
 * Spec: docs/prompt-weighting.md §3-§4.
 */
import { StudioError } from '../../errors.ts';
import { isBreak, parsePromptAttention, type Fragment } from './emphasis.ts';

/** What chunking needs from the CLIP tokenizer (ClipTokenizer satisfies it). */
export interface PromptTokenizer {
  encode(text: string): number[];
  readonly bosId: number;
  readonly eosId: number;
  readonly commaId: number | undefined;
}

export interface PromptChunk {
  /** 77 ids: BOS, 75 tokens or EOS padding, EOS. */
  tokens: number[];
  /** 77 weights (1.0 at BOS/EOS/padding). */
  multipliers: number[];
  /** the prompt's own tokens in the chunk (the rest of the 75 is EOS padding) */
  used: number;
}

export interface TokenizedPrompt {
  chunks: PromptChunk[];
  /** A1111's token count (75 per full chunk + real tokens of the last), as shown in its UI counter. */
  tokenCount: number;
}

/** A1111 option `emphasis` (1.8+); "Original" is the default. */
export type EmphasisMode = 'Original' | 'No norm' | 'Ignore' | 'None';

export interface ChunkOptions {
  /** "Prompt word wrap length limit" (comma_padding_backtrack), 0–74; default 20. */
  commaPaddingBacktrack?: number;
  emphasis?: EmphasisMode;
}

export const CHUNK_LENGTH = 75;
/**
 * Budgets of one prompt. A1111 has none: a 120 KB prompt of BREAKs took it (and this app) minutes and
 * gigabytes for 20,000 text-encoder runs. 32 chunks is 2,400 tokens, far beyond any prompt CLIP can follow;
 * 100,000 characters is more than such a prompt needs even with long words and whitespace.
 */
export const MAX_PROMPT_CHUNKS = 32;
export const MAX_PROMPT_CHARS = 100_000;

function tooLong(what: string): never {
  throw new StudioError('bad-prompt', `The prompt is too long: ${what}. Shorten it (A1111's own limit is what its GPU can hold).`);
}

/** Refuses a prompt over the character budget before any parsing. */
export function checkPromptSize(line: string): void {
  if (line.length > MAX_PROMPT_CHARS) tooLong(`${line.length.toLocaleString('en-US')} characters (at most ${MAX_PROMPT_CHARS.toLocaleString('en-US')})`);
}

/** Emphasis fragments for a line under the given mode ("None" keeps brackets as text). */
export function fragmentsFor(line: string, emphasis: EmphasisMode = 'Original'): Fragment[] {
  return emphasis === 'None' ? [[line, 1.0]] : parsePromptAttention(line);
}

export function tokenizeLine(line: string, tokenizer: PromptTokenizer, opts: ChunkOptions = {}): TokenizedPrompt {
  checkPromptSize(line);
  const backtrack = opts.commaPaddingBacktrack ?? 20;
  const ignoreWeights = opts.emphasis === 'Ignore';
  const parsed = fragmentsFor(line, opts.emphasis);
  const chunks: PromptChunk[] = [];
  let tokens: number[] = [];
  let mults: number[] = [];
  let tokenCount = 0;
  let lastComma = -1;

  const nextChunk = (isLast = false) => {
    tokenCount += isLast ? tokens.length : CHUNK_LENGTH;
    if (chunks.length === MAX_PROMPT_CHUNKS) tooLong(`more than ${MAX_PROMPT_CHUNKS} chunks of ${CHUNK_LENGTH} tokens (BREAK starts a chunk)`);
    const used = tokens.length;
    while (tokens.length < CHUNK_LENGTH) {
      tokens.push(tokenizer.eosId);
      mults.push(1.0);
    }
    chunks.push({ tokens: [tokenizer.bosId, ...tokens, tokenizer.eosId], multipliers: [1.0, ...mults, 1.0], used });
    lastComma = -1;
    tokens = [];
    mults = [];
  };

  for (const frag of parsed) {
    if (isBreak(frag)) {
      nextChunk();
      continue;
    }
    const weight = ignoreWeights ? 1.0 : frag[1];
    const ids = tokenizer.encode(frag[0]);
    if (ids.length > 0 && !Number.isFinite(weight)) {
      // A1111 would multiply the text states by it and return a black (NaN) image without a word
      throw new StudioError('bad-prompt', `The emphasis weight of "${frag[0].trim().slice(0, 40)}" is ${weight}: brackets nest too deeply or a weight is too large to be a number.`, { weight: String(weight) });
    }
    for (const token of ids) {
      if (token === tokenizer.commaId) {
        lastComma = tokens.length;
      } else if (backtrack !== 0 && tokens.length === CHUNK_LENGTH && lastComma !== -1 && tokens.length - lastComma <= backtrack) {
        const at = lastComma + 1;
        const relocTokens = tokens.slice(at);
        const relocMults = mults.slice(at);
        tokens = tokens.slice(0, at);
        mults = mults.slice(0, at);
        nextChunk();
        tokens = relocTokens;
        mults = relocMults;
      }
      if (tokens.length === CHUNK_LENGTH) nextChunk();
      tokens.push(token);
      mults.push(weight);
    }
  }
  if (tokens.length > 0 || chunks.length === 0) nextChunk(true);
  return { chunks, tokenCount };
}

/** The chunk of the empty prompt: BOS + 76 EOS, weights 1 (what A1111 pads with). */
export function emptyChunk(tokenizer: PromptTokenizer): PromptChunk {
  return {
    tokens: [tokenizer.bosId, ...new Array<number>(CHUNK_LENGTH + 1).fill(tokenizer.eosId)],
    multipliers: new Array<number>(CHUNK_LENGTH + 2).fill(1.0),
    used: 0,
  };
}

/** Append empty chunks up to `count` (A1111 `empty_chunks()` / pad_cond_uncond: the same as encoding ""). */
export function padChunks(p: TokenizedPrompt, count: number, tokenizer: PromptTokenizer): TokenizedPrompt {
  const chunks = [...p.chunks];
  while (chunks.length < count) chunks.push(emptyChunk(tokenizer));
  return { chunks, tokenCount: p.tokenCount };
}

/**
 * Flatten to the text encoder's inputs: ids [chunks*77] (int32) and weights [chunks*77] (float32). With a pad token other than EOS (SD 2.x's
 * OpenCLIP pads with id 0), every id after a chunk's first EOS becomes the pad, as A1111's `process_tokens` does.
 */
export function flattenChunks(p: TokenizedPrompt, pad?: { eosId: number; padId: number }): { ids: Int32Array; weights: Float32Array; chunkCount: number } {
  const n = p.chunks.length * (CHUNK_LENGTH + 2);
  const ids = new Int32Array(n);
  const weights = new Float32Array(n);
  p.chunks.forEach((c, i) => {
    const at = i * (CHUNK_LENGTH + 2);
    ids.set(c.tokens, at);
    weights.set(c.multipliers, at);
    if (pad && pad.padId !== pad.eosId) {
      const end = c.tokens.indexOf(pad.eosId);
      if (end >= 0) ids.fill(pad.padId, at + end + 1, at + CHUNK_LENGTH + 2);
    }
  });
  return { ids, weights, chunkCount: p.chunks.length };
}
