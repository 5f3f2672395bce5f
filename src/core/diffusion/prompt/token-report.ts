/**
 * A1111's token counter ("12/75" beside the prompt box), with what it counts: the prompt's extra-network
 * tags are removed, emphasis parsed and the rest chunked exactly as generation does (`tokenizeLine`), so
 * the count, the chunk boundaries and every token's weight are the ones the text encoder will get. Shared by
 * `hnstudio tokens` and the prompt box (through the page's parse worker). Linear time, budgeted like
 * generation: a prompt generation refuses is refused here with the same `bad-prompt` error.
 */
import { tokenizeLine, CHUNK_LENGTH, fragmentsFor, type ChunkOptions, type PromptTokenizer } from './chunks.ts';
import type { Fragment } from './emphasis.ts';
import { parseExtraNetworks, type HypernetTag } from './extra-networks.ts';

/** What a token report needs from the tokenizer beyond chunking (ClipTokenizer has it). */
export interface DescribingTokenizer extends PromptTokenizer {
  idToToken(id: number): string | undefined;
}

export interface TokenReport {
  /** A1111's count: 75 per full chunk plus the tokens of the last */
  tokenCount: number;
  /** A1111's denominator: 75 × chunks (at least 75) */
  limit: number;
  chunks: { tokens: { id: number; text: string; weight: number }[] }[];
  /** emphasis fragments after extra-network tags are removed: text and weight, neighbours merged */
  fragments: Fragment[];
  /** every `<kind:args>` tag, in order */
  extraNetworks: { kind: string; args: string }[];
  hypernets: HypernetTag[];
  hypernetError: string | null;
}

/** CLIP's token text: byte-level symbols, `</w>` marking a word end (shown as a trailing space). */
function tokenText(tokenizer: DescribingTokenizer, id: number): string {
  return (tokenizer.idToToken(id) ?? `#${id}`).replace(/<\/w>$/, ' ');
}

export function promptTokenReport(prompt: string, tokenizer: DescribingTokenizer, opts: ChunkOptions = {}): TokenReport {
  const extra = parseExtraNetworks(prompt);
  const tokenized = tokenizeLine(extra.prompt, tokenizer, opts);
  const chunks = tokenized.chunks.map((c) => ({
    tokens: c.tokens.slice(1, 1 + c.used).map((id, i) => ({ id, text: tokenText(tokenizer, id), weight: c.multipliers[1 + i]! })),
  }));
  return {
    tokenCount: tokenized.tokenCount,
    limit: Math.max(1, tokenized.chunks.length) * CHUNK_LENGTH,
    chunks,
    fragments: fragmentsFor(extra.prompt, opts.emphasis),
    extraNetworks: extra.tags.map((t) => ({ kind: t.kind, args: t.items.join(':') })),
    hypernets: extra.hypernets,
    hypernetError: extra.hypernetError ?? null,
  };
}
