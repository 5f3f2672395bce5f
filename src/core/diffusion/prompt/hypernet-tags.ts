/**
 * The one grammar of A1111's extra-network prompt tags (`modules/extra_networks.py`), read, printed and rewritten
 * here and nowhere else. Every `<kind:args>` matching `<(\w+):([^>]+)>` (Python's `\w` is Unicode) is a tag; its
 * arguments split on ':'. For `<hypernet:NAME[:MULT]>`, NAME is the hypernetwork's name (A1111: the file stem,
 * exact and case-sensitive) and MULT its multiplier, read by Python's float() (default 1); further items are
 * ignored. Tags apply in prompt order; an unknown name is skipped; an unparsable multiplier makes A1111 apply no
 * tag hypernetwork at all. All tags are removed from the prompt before CLIP reads it.
 */
import { pyFloat } from './pyfloat.ts';

/** Any extra-network tag: group 1 the kind, group 2 the argument string. */
const EXTRA_NETWORK_TAG = /<([\p{L}\p{N}_]+):([^>]+)>/gu;

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

/** Every extra-network tag of the prompt, in order, with its position. */
export function extraNetworkTags(prompt: string): ExtraNetworkTag[] {
  return Array.from(prompt.matchAll(EXTRA_NETWORK_TAG), (m) => ({ kind: m[1]!, items: m[2]!.split(':'), index: m.index, length: m[0].length }));
}

/** The prompt without its extra-network tags (what CLIP sees; nothing else changes). */
export function withoutExtraNetworkTags(prompt: string): string {
  return prompt.replace(EXTRA_NETWORK_TAG, '');
}

/** The `<hypernet:…>` tags of the prompt, as A1111 reads them. */
export function parseHypernetTags(prompt: string): ParsedHypernetTags {
  const tags: HypernetTag[] = [];
  for (const t of extraNetworkTags(prompt)) {
    if (t.kind !== 'hypernet') continue;
    const raw = t.items[1];
    const multiplier = raw === undefined ? 1 : pyFloat(raw);
    if (multiplier === undefined) return { tags: [], error: `could not convert string to float: '${raw ?? ''}' in <hypernet:${t.items.join(':')}>` };
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
    out = out.replace(/[ \t]+$/, '');
    if (out === '') last += /^[ \t]*/.exec(prompt.slice(last))?.[0].length ?? 0;
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
  const text = bare.replace(/[ \t]+$/, '');
  return `${text}${text ? ' ' : ''}${stack.map((t) => formatHypernetTag(t.name, t.multiplier)).join(' ')}`;
}
