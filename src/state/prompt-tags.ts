/**
 * `<hypernet:NAME[:MULT]>` tags in the prompt, as A1111 reads them (docs/hypernetwork-format.md §5): the
 * regex `<(\w+):([^>]+)>`, the argument split on ':', NAME = file stem (exact, case-sensitive), MULT parsed like
 * Python float() (default 1). Pure functions: the stack actions and the panel use them.
 */
import { parseExtraNetworks } from '../core/diffusion/prompt/extra-networks.ts';

/** Python's `\w` is Unicode: the same pattern as the engine's parser. */
const RE_EXTRA_NET = /<([\p{L}\p{N}_]+):([^>]+)>/gu;

/** A1111's name of a hypernetwork file: its basename without the extension (as the engine records it). */
export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.[^.]*$/, '');
}

export interface PromptHypernets {
  /** the hypernet tags in prompt order (empty when `error`) */
  tags: { name: string; multiplier: number }[];
  /** an unparsable multiplier: A1111 then applies no tag hypernetwork at all */
  error: string | null;
}

export function promptHypernets(prompt: string): PromptHypernets {
  const parsed = parseExtraNetworks(prompt);
  return { tags: parsed.hypernets, error: parsed.hypernetError ?? null };
}

/** A number as a tag multiplier: the shortest text that reads back as the same float. */
export function formatMultiplier(value: number): string {
  return String(value);
}

/**
 * Rewrites the multiplier of every `<hypernet:name…>` tag (further `:` items are kept). Returns the prompt
 * unchanged when there is no such tag.
 */
export function setTagMultiplier(prompt: string, name: string, multiplier: number): string {
  return prompt.replace(RE_EXTRA_NET, (whole, kind: string, args: string) => {
    if (kind !== 'hypernet') return whole;
    const items = args.split(':');
    if (items[0] !== name) return whole;
    return `<hypernet:${[name, formatMultiplier(multiplier), ...items.slice(2)].join(':')}>`;
  });
}

/** Renames every `<hypernet:from…>` tag to `to`, keeping its multiplier and further items. */
export function renameTag(prompt: string, from: string, to: string): string {
  return prompt.replace(RE_EXTRA_NET, (whole, kind: string, args: string) => {
    if (kind !== 'hypernet') return whole;
    const items = args.split(':');
    return items[0] === from ? `<hypernet:${[to, ...items.slice(1)].join(':')}>` : whole;
  });
}

/** A name usable in a `<hypernet:name:mult>` tag: no `:` (the separator), `<` or `>`, not blank. */
export function isValidTagName(name: string): boolean {
  return name.trim() === name && name.length > 0 && !/[:<>]/.test(name);
}

/** Removes every `<hypernet:name…>` tag, with the space before it (or after it, at the start). */
export function removeTag(prompt: string, name: string): string {
  let out = '';
  let last = 0;
  for (const m of prompt.matchAll(RE_EXTRA_NET)) {
    if (m[1] !== 'hypernet' || (m[2] ?? '').split(':')[0] !== name) continue;
    const before = prompt.slice(last, m.index).replace(/[ \t]+$/, '');
    out += before;
    last = m.index + m[0].length;
    if (out === '') last += /^[ \t]*/.exec(prompt.slice(last))?.[0].length ?? 0;
  }
  return out + prompt.slice(last);
}

/** True when the prompt has a `<hypernet:name…>` tag. */
export function hasTag(prompt: string, name: string): boolean {
  for (const m of prompt.matchAll(RE_EXTRA_NET)) if (m[1] === 'hypernet' && (m[2] ?? '').split(':')[0] === name) return true;
  return false;
}
