/**
 * Prompt -> CLIP inputs, A1111 style: strip extra-network tags, parse emphasis, chunk to 77-token windows;
 * the negative prompt is chunked the same way (no tag parsing) and both are padded to a common chunk count.
 */
import { checkPromptSize, padChunks, tokenizeLine, type ChunkOptions, type PromptTokenizer, type TokenizedPrompt } from './chunks.ts';
import { parseExtraNetworks, type ExtraNetworksResult } from './extra-networks.ts';

export interface PreparedPrompts {
  positive: TokenizedPrompt;
  negative: TokenizedPrompt;
  /** Chunk count before padding (A1111 by default runs cond/uncond separately when these differ). */
  positiveChunks: number;
  negativeChunks: number;
  extraNetworks: ExtraNetworksResult;
}

export function preparePrompts(prompt: string, negative: string, tokenizer: PromptTokenizer, opts: ChunkOptions = {}): PreparedPrompts {
  checkPromptSize(prompt);
  const extraNetworks = parseExtraNetworks(prompt);
  const pos = tokenizeLine(extraNetworks.prompt, tokenizer, opts);
  const neg = tokenizeLine(negative, tokenizer, opts);
  const count = Math.max(pos.chunks.length, neg.chunks.length);
  return {
    positive: padChunks(pos, count, tokenizer),
    negative: padChunks(neg, count, tokenizer),
    positiveChunks: pos.chunks.length,
    negativeChunks: neg.chunks.length,
    extraNetworks,
  };
}

export {
  parsePromptAttention,
  isBreak,
  PromptSyntaxError,
  BREAK_WEIGHT,
  ROUND_MULTIPLIER,
  SQUARE_MULTIPLIER,
  type Fragment,
} from './emphasis.ts';
export {
  tokenizeLine,
  fragmentsFor,
  emptyChunk,
  padChunks,
  flattenChunks,
  CHUNK_LENGTH,
  MAX_PROMPT_CHUNKS,
  MAX_PROMPT_CHARS,
  checkPromptSize,
  type PromptChunk,
  type PromptTokenizer,
  type TokenizedPrompt,
  type ChunkOptions,
  type EmphasisMode,
} from './chunks.ts';
export { applyEmphasis } from './conditioning.ts';
export { parseExtraNetworks, type ExtraNetworkTag, type HypernetTag, type ExtraNetworksResult } from './extra-networks.ts';
export { pyFloat } from './pyfloat.ts';
export { promptTokenReport, type TokenReport, type DescribingTokenizer } from './token-report.ts';
