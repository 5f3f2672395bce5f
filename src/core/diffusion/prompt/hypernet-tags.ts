/**
 * The one grammar of A1111's extra-network prompt tags (`modules/extra_networks.py`), read, printed and rewritten
 * here and nowhere else. Every `<kind:args>` matching `<(\w+):([^>]+)>` (Python's `\w` is Unicode) is a tag; its
 * arguments split on ':'. For `<hypernet:NAME[:MULT]>`, NAME is the hypernetwork's name (A1111: the file stem,
 * exact and case-sensitive) and MULT its multiplier, read by Python's float() (default 1); further items are
 * ignored. Tags apply in prompt order; an unknown name is skipped; an unparsable multiplier makes A1111 apply no
 * tag hypernetwork at all. All tags are removed from the prompt before CLIP reads it.
 */
import { PY_WORD } from '../python-text.ts';
import { pyFloat } from './pyfloat.ts';

export interface ExtraNetworkTag {
  /** Tag kind, e.g. "hypernet", "lora". */
  kind: string;
  /** The argument string split on ':' (items[0] is the name). */
  items: string[];
  /** Where the tag starts in the prompt. */
  index: number;
  /** Its length in the prompt. */
  length: number;
}

export interface HypernetTag {
  name: string;
  multiplier: number;
}

export interface ParsedHypernetTags {
  /** the `hypernet` tags in prompt order; empty when `error` is set */
  tags: HypernetTag[];
  /** an unparsable multiplier (A1111's float() error text): then no tag hypernetwork applies */
  error: string | null;
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

/** Every extra-network tag of the prompt, in order, with its position. */
export function extraNetworkTags(prompt: string): ExtraNetworkTag[] {
  return findExtraNetworks(prompt).map((m) => ({ kind: m.kind, items: m.args.split(':'), index: m.index, length: m.end - m.index }));
}

/** The prompt without its extra-network tags (what CLIP sees; nothing else changes). */
export function withoutExtraNetworkTags(prompt: string, tags: readonly ExtraNetworkTag[] = extraNetworkTags(prompt)): string {
  let out = '';
  let last = 0;
  for (const t of tags) {
    out += prompt.slice(last, t.index);
    last = t.index + t.length;
  }
  return out + prompt.slice(last);
}

/** The text without its trailing spaces and tabs (no `/[ \t]+$/`: that regex is quadratic on long runs). */
function trimEndSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

/** Long user text quoted in a message is cut (a hostile prompt may be megabytes). */
const clip = (text: string, max = 80): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The `<hypernet:…>` tags of the prompt, as A1111 reads them. */
export function parseHypernetTags(prompt: string, all: readonly ExtraNetworkTag[] = extraNetworkTags(prompt)): ParsedHypernetTags {
  const tags: HypernetTag[] = [];
  for (const t of all) {
    if (t.kind !== 'hypernet') continue;
    const raw = t.items[1];
    const multiplier = raw === undefined ? 1 : pyFloat(raw);
    if (multiplier === undefined) return { tags: [], error: `could not convert string to float: '${clip(raw ?? '')}' in ${clip(`<hypernet:${t.items.join(':')}>`)}` };
    tags.push({ name: t.items[0] ?? '', multiplier });
  }
  return { tags, error: null };
}

/** A multiplier as tag text: the shortest decimal that Python's float() reads back as the same number. */
export function formatMultiplier(value: number): string {
  return String(value);
}

/** `<hypernet:name:mult>`, with any further items kept after the multiplier. */
export function formatHypernetTag(name: string, multiplier: number, extra: readonly string[] = []): string {
  return `<hypernet:${[name, formatMultiplier(multiplier), ...extra].join(':')}>`;
}

/** A name a tag can hold: no ':' (the separator), '<' or '>', no surrounding spaces, not blank. */
export function isValidTagName(name: string): boolean {
  return name.trim() === name && name.length > 0 && !/[:<>]/.test(name);
}

/** A1111's name of a hypernetwork file: its basename without the extension. */
export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.[^.]*$/, '');
}

/** One `<hypernet:…>` tag met by `rewriteHypernetTags`. */
export interface TagSite {
  name: string;
  /** all argument items (items[0] is the name, items[1] the multiplier text) */
  items: readonly string[];
  /** 0-based count among the prompt's hypernet tags */
  ordinal: number;
}

/**
 * Rewrites the prompt's `<hypernet:…>` tags: `edit` returns the replacement text, `null` to remove the tag (with
 * the blank before it, or after it at the start of the prompt), or `undefined` to keep it. Other text and other
 * kinds of tags are untouched.
 */
export function rewriteHypernetTags(prompt: string, edit: (tag: TagSite) => string | null | undefined): string {
  let out = '';
  let last = 0;
  let ordinal = 0;
  for (const t of extraNetworkTags(prompt)) {
    if (t.kind !== 'hypernet') continue;
    const replacement = edit({ name: t.items[0] ?? '', items: t.items, ordinal: ordinal++ });
    if (replacement === undefined) continue;
    out += prompt.slice(last, t.index);
    last = t.index + t.length;
    if (replacement !== null) {
      out += replacement;
      continue;
    }
    out = trimEndSpaces(out);
    if (out === '') while (prompt[last] === ' ' || prompt[last] === '\t') last++;
  }
  return out + prompt.slice(last);
}

/** True when the prompt has a `<hypernet:name…>` tag. */
export function hasTag(prompt: string, name: string): boolean {
  return parseNames(prompt).includes(name);
}

function parseNames(prompt: string): string[] {
  return extraNetworkTags(prompt).flatMap((t) => (t.kind === 'hypernet' ? [t.items[0] ?? ''] : []));
}

/** Sets the multiplier of every `<hypernet:name…>` tag (further items kept). */
export function setTagMultiplier(prompt: string, name: string, multiplier: number): string {
  return rewriteHypernetTags(prompt, (t) => (t.name === name ? formatHypernetTag(name, multiplier, t.items.slice(2)) : undefined));
}

/** Renames every `<hypernet:from…>` tag to `to`, keeping its multiplier text and further items. */
export function renameTag(prompt: string, from: string, to: string): string {
  return rewriteHypernetTags(prompt, (t) => (t.name === from ? `<hypernet:${[to, ...t.items.slice(1)].join(':')}>` : undefined));
}

/** Removes every `<hypernet:name…>` tag. */
export function removeTag(prompt: string, name: string): string {
  return rewriteHypernetTags(prompt, (t) => (t.name === name ? null : undefined));
}

/**
 * Puts the tags of `names` in that order, in the places those tags hold now (the first tag of each name; other
 * tags and text stay where they are). The stack panel's reorder moves the prompt's tags with it.
 */
export function orderTags(prompt: string, names: readonly string[]): string {
  const present = names.filter((n) => hasTag(prompt, n));
  const texts = new Map<string, string>();
  const seen = new Set<string>();
  rewriteHypernetTags(prompt, (t) => {
    if (!texts.has(t.name)) texts.set(t.name, `<hypernet:${t.items.join(':')}>`);
    return undefined;
  });
  let slot = 0;
  return rewriteHypernetTags(prompt, (t) => {
    if (!present.includes(t.name) || seen.has(t.name)) return undefined;
    seen.add(t.name);
    return texts.get(present[slot++]!)!;
  });
}

/**
 * The prompt as the exact recipe of an image made with `stack` (in application order): unchanged when its
 * hypernet tags already are that stack, tag for tag, with the same values; otherwise every hypernet tag is
 * removed (unknown names, duplicates, disabled entries, unparsable multipliers) and the stack's tags are
 * appended in order. Dropped into A1111 (or this app's PNG Info) it applies exactly `stack`.
 */
export function recipePrompt(prompt: string, stack: readonly HypernetTag[]): string {
  const { tags, error } = parseHypernetTags(prompt);
  const exact = !error && tags.length === stack.length && tags.every((t, i) => t.name === stack[i]!.name && t.multiplier === stack[i]!.multiplier);
  if (exact) return prompt;
  const bare = rewriteHypernetTags(prompt, () => null);
  if (stack.length === 0) return bare;
  const text = trimEndSpaces(bare);
  return `${text}${text ? ' ' : ''}${stack.map((t) => formatHypernetTag(t.name, t.multiplier)).join(' ')}`;
}
