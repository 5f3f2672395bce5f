/**
 * A1111 extra-network tags (`modules/extra_networks.py`): every `<kind:args>` matching `<(\w+):([^>]+)>` is
 * removed from the positive prompt before CLIP sees it; `<hypernet:NAME[:MULT]>` selects a hypernetwork with
 * MULT parsed by Python float() (default 1.0). See docs/hypernetwork-format.md §5.
 */
import { PY_WORD } from '../python-text.ts';
import { pyFloat } from './pyfloat.ts';

export interface ExtraNetworkTag {
  /** Tag kind, e.g. "hypernet", "lora". */
  kind: string;
  /** The argument string split on ':' (items[0] is the name). */
  items: string[];
  /** Where the tag started in the original prompt. */
  index: number;
}

export interface HypernetTag {
  name: string;
  multiplier: number;
}

export interface ExtraNetworksResult {
  /** The prompt with every extra-network tag removed (nothing else changes). */
  prompt: string;
  /** All tags, in prompt order. */
  tags: ExtraNetworkTag[];
  /** The `hypernet` tags in order. */
  hypernets: HypernetTag[];
  /**
   * Set when a hypernet multiplier is not a Python float: A1111's activate() raises and then applies no tag
   * hypernetworks at all in that run (`hypernets` is then empty).
   */
  hypernetError?: string;
}

/** One `<kind:args>` match of A1111's `<(\w+):([^>]+)>`: where it starts and ends in the prompt. */
export interface ExtraNetworkMatch {
  index: number;
  /** just past the closing `>` */
  end: number;
  kind: string;
  args: string;
}

/** Python's `\w` is Unicode: letters, numbers, underscore. */
const WORD_RUN = new RegExp(`[${PY_WORD}]+`, 'uy');

/**
 * Every match of `<(\w+):([^>]+)>` in order, as `re.sub`/`finditer` find them — in linear time. The regex
 * rescans to the end of the prompt from every `<` when no `>` follows (`<a:<a:<a:…` froze the prompt box
 * for 9 s); here each `<`'s word run is read once and the next `>` is found by a search that never goes back.
 */
export function findExtraNetworks(prompt: string): ExtraNetworkMatch[] {
  const out: ExtraNetworkMatch[] = [];
  let gtFrom = -1;
  let gt = -1;
  const nextGt = (from: number): number => {
    // queries only move forward, so each search starts past the previous answer
    if (!(gtFrom >= 0 && from >= gtFrom && (gt < 0 || from <= gt))) {
      gt = prompt.indexOf('>', from);
      gtFrom = from;
    }
    return gt;
  };
  for (let i = prompt.indexOf('<'); i >= 0; ) {
    WORD_RUN.lastIndex = i + 1;
    const run = WORD_RUN.exec(prompt);
    const colon = run ? i + 1 + run[0].length : -1;
    if (run && prompt.charCodeAt(colon) === 0x3a) {
      const close = nextGt(colon + 1);
      if (close < 0) break; // no `>` anywhere after: no later `<` can match either
      if (close > colon + 1) {
        out.push({ index: i, end: close + 1, kind: run[0], args: prompt.slice(colon + 1, close) });
        i = prompt.indexOf('<', close + 1);
        continue;
      }
    }
    i = prompt.indexOf('<', i + 1);
  }
  return out;
}

/** The prompt with each match replaced by `fn(match)` (the text between matches kept). */
export function replaceExtraNetworks(prompt: string, fn: (m: ExtraNetworkMatch) => string): string {
  let out = '';
  let last = 0;
  for (const m of findExtraNetworks(prompt)) {
    out += prompt.slice(last, m.index) + fn(m);
    last = m.end;
  }
  return out + prompt.slice(last);
}

/** Long user text quoted in a message is cut (a hostile prompt may be megabytes). */
const clip = (text: string, max = 80): string => (text.length > max ? `${text.slice(0, max)}…` : text);

export function parseExtraNetworks(prompt: string): ExtraNetworksResult {
  const tags: ExtraNetworkTag[] = [];
  const cleaned = replaceExtraNetworks(prompt, ({ kind, args, index }) => {
    tags.push({ kind, items: args.split(':'), index });
    return '';
  });
  const hypernets: HypernetTag[] = [];
  let hypernetError: string | undefined;
  for (const t of tags) {
    if (t.kind !== 'hypernet') continue;
    const name = t.items[0] ?? '';
    const raw = t.items[1];
    const multiplier = raw === undefined ? 1.0 : pyFloat(raw);
    if (multiplier === undefined) {
      const tag = `<hypernet:${t.items.join(':')}>`;
      hypernetError = `could not convert string to float: '${clip(raw ?? '')}' in ${clip(tag)}`;
      break;
    }
    hypernets.push({ name, multiplier });
  }
  return hypernetError === undefined ? { prompt: cleaned, tags, hypernets } : { prompt: cleaned, tags, hypernets: [], hypernetError };
}
