/**
 * CLIP BPE tokenizer (SD 1.x text encoder), equivalent to Hugging Face `CLIPTokenizer` / OpenAI's
 * `simple_tokenizer` on the same vocab.json + merges.txt. Pure: the files come in as strings.
 *
 * Pipeline (why each step): NFC (what ftfy/HF's normalizer do to composed characters) -> collapse runs of
 * whitespace to one space and trim (`whitespace_clean`) -> lowercase -> CLIP's pre-token regex (letters runs,
 * single digits, symbol runs, English contractions, the two special-token strings) -> UTF-8 bytes mapped to
 * the byte alphabet -> BPE with '</w>' marking the word end -> ids. The special-token strings are split out
 * first, as HF does for added tokens. Not done: ftfy's mojibake repair.
 */
import { StudioError } from '../../errors.ts';
import { PY_SPACE } from '../python-text.ts';
import { bpeMerge } from './bpe.ts';
import { BYTE_DECODER, bytesToUnicode } from './bytes.ts';

export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';

/** Python's str.isspace() set, which A1111's `re.sub(r'\s+', ' ', text)` collapses (JS \s differs at the edges). */
const WS = PY_SPACE;
const WS_RUN = new RegExp(`[${WS}]+`, 'gu');
/** CLIP's pattern (compiled with IGNORECASE; the text is already lowercase, so flags i/u suffice). */
const PRE_TOKEN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${WS}\\p{L}\\p{N}]+`,
  'giu',
);

/** HF tokenizers split the special-token strings out before the regex, wherever they stand (added tokens). */
const SPECIAL_SPLIT = /(<\|startoftext\|>|<\|endoftext\|>)/u;

/** A malformed vocab.json or merges.txt: a `bad-model-folder` error of the model that holds them. */
export class TokenizerFileError extends StudioError {
  constructor(message: string) {
    super('bad-model-folder', message);
  }
}

/** A1111's text cleanup before the regex: NFC, whitespace collapse + trim, lowercase. */
export function cleanText(text: string): string {
  return text.normalize('NFC').replace(WS_RUN, ' ').trim().toLowerCase();
}

/** Split cleaned text into CLIP pre-tokens (words before BPE). */
export function preTokenize(cleaned: string): string[] {
  return cleaned.match(PRE_TOKEN) ?? [];
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  /** Id of ',</w>' (A1111's comma token for chunk breaking). */
  readonly commaId: number | undefined;
  private readonly encoder: Map<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, string[]>();

  constructor(vocab: Record<string, number> | Map<string, number>, merges: readonly (readonly [string, string])[]) {
    this.encoder = vocab instanceof Map ? new Map(vocab) : new Map(Object.entries(vocab));
    this.decoder = new Map();
    for (const [tok, id] of this.encoder) {
      if (!Number.isInteger(id)) throw new TokenizerFileError(`vocab id of ${JSON.stringify(tok)} is not an integer`);
      this.decoder.set(id, tok);
    }
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
    const bos = this.encoder.get(BOS_TOKEN);
    const eos = this.encoder.get(EOS_TOKEN);
    if (bos === undefined || eos === undefined) throw new TokenizerFileError('vocab lacks <|startoftext|>/<|endoftext|>');
    // without merges every word falls apart into single bytes: every prompt would encode to garbage
    if (merges.length === 0) throw new TokenizerFileError('merges.txt holds no merges');
    this.bosId = bos;
    this.eosId = eos;
    this.commaId = this.encoder.get(',</w>');
    this.cache.set(BOS_TOKEN, [BOS_TOKEN]);
    this.cache.set(EOS_TOKEN, [EOS_TOKEN]);
  }

  /** Build from the text of `vocab.json` and `merges.txt` (HF layout; a leading '#version' line is skipped). */
  static fromFiles(vocabJson: string, mergesTxt: string): ClipTokenizer {
    let vocab: unknown;
    try {
      vocab = JSON.parse(vocabJson);
    } catch (e) {
      throw new TokenizerFileError(`vocab.json is not JSON: ${(e as Error).message}`);
    }
    if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) throw new TokenizerFileError('vocab.json is not an object');
    return new ClipTokenizer(vocab as Record<string, number>, parseMerges(mergesTxt));
  }

  get vocabSize(): number {
    return this.encoder.size;
  }

  tokenToId(token: string): number | undefined {
    return this.encoder.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.decoder.get(id);
  }

  /** BPE of one pre-token (already byte-encoded); '</w>' is attached to its last symbol. */
  bpe(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const parts = bpeMerge(word, this.ranks);
    if (this.cache.size < 50000) this.cache.set(word, parts);
    return parts;
  }

  /** BPE token strings of a text (no BOS/EOS). */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const part of cleanText(text).split(SPECIAL_SPLIT)) {
      if (part === BOS_TOKEN || part === EOS_TOKEN) {
        out.push(part);
        continue;
      }
      for (const piece of preTokenize(part)) out.push(...this.bpe(bytesToUnicode(piece)));
    }
    return out;
  }

  /** Token ids of a text without BOS/EOS and without truncation (A1111 tokenizes each fragment this way). */
  encode(text: string): number[] {
    return this.tokenize(text).map((t) => {
      const id = this.encoder.get(t);
      if (id === undefined) throw new TokenizerFileError(`token ${JSON.stringify(t)} missing from vocab.json`);
      return id;
    });
  }

  /** [BOS, ...ids, EOS] padded with EOS (SD 1.x) or truncated to `length` (77), like CLIPTokenizer(max_length). */
  encodePadded(text: string, length = 77, padId = this.eosId): number[] {
    const ids = [this.bosId, ...this.encode(text)].slice(0, length - 1);
    ids.push(this.eosId);
    while (ids.length < length) ids.push(padId);
    return ids;
  }

  decode(ids: readonly number[]): string {
    const text = ids.map((id) => this.decoder.get(id) ?? '').join('');
    const bytes: number[] = [];
    let out = '';
    const flush = () => {
      out += new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
      bytes.length = 0;
    };
    for (const ch of text.replaceAll(BOS_TOKEN, '\u0000S').replaceAll(EOS_TOKEN, '\u0000E')) {
      const b = BYTE_DECODER.get(ch);
      if (b !== undefined) bytes.push(b);
      else {
        flush();
        out += ch;
      }
    }
    flush();
    return out.replaceAll('\u0000S', BOS_TOKEN).replaceAll('\u0000E', EOS_TOKEN).replaceAll('</w>', ' ').trimEnd();
  }
}

export function parseMerges(mergesTxt: string): [string, string][] {
  const lines = mergesTxt.split(/\r?\n/);
  const out: [string, string][] = [];
  lines.forEach((line, i) => {
    if (i === 0 && line.startsWith('#version')) return;
    if (line.trim() === '') return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new TokenizerFileError(`merges.txt line ${i + 1} is not "a b"`);
    out.push([parts[0], parts[1]]);
  });
  return out;
}
