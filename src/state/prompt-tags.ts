/**
 * `<hypernet:NAME[:MULT]>` tags in the prompt, as A1111 reads them (docs/hypernetwork-format.md §5): the
 * regex `<(\w+):([^>]+)>`, the argument split on ':', NAME = file stem (exact, case-sensitive), MULT parsed like
 * Python float() (default 1). Pure functions: the stack actions and the panel use them.
 */
import { findExtraNetworks, parseExtraNetworks, replaceExtraNetworks } from '../core/diffusion/prompt/extra-networks.ts';

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
  return replaceExtraNetworks(prompt, ({ index, end, kind, args }) => {
    const items = args.split(':');
    if (kind !== 'hypernet' || items[0] !== name) return prompt.slice(index, end);
    return `<hypernet:${[name, formatMultiplier(multiplier), ...items.slice(2)].join(':')}>`;
  });
}

/** Renames every `<hypernet:from…>` tag to `to`, keeping its multiplier and further items. */
export function renameTag(prompt: string, from: string, to: string): string {
  return replaceExtraNetworks(prompt, ({ index, end, kind, args }) => {
    const items = args.split(':');
    return kind === 'hypernet' && items[0] === from ? `<hypernet:${[to, ...items.slice(1)].join(':')}>` : prompt.slice(index, end);
  });
}

/** A name usable in a `<hypernet:name:mult>` tag: no `:` (the separator), `<` or `>`, not blank. */
export function isValidTagName(name: string): boolean {
  return name.trim() === name && name.length > 0 && !/[:<>]/.test(name);
}

/** The text without its trailing spaces and tabs (no `/[ \t]+$/`: that regex is quadratic on long runs). */
function trimEndSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

/** Removes every `<hypernet:name…>` tag, with the space before it (or after it, at the start). */
export function removeTag(prompt: string, name: string): string {
  let out = '';
  let last = 0;
  for (const m of findExtraNetworks(prompt)) {
    if (m.kind !== 'hypernet' || m.args.split(':')[0] !== name) continue;
    out += trimEndSpaces(prompt.slice(last, m.index));
    last = m.end;
    if (out === '') while (prompt[last] === ' ' || prompt[last] === '\t') last++;
  }
  return out + prompt.slice(last);
}

/** True when the prompt has a `<hypernet:name…>` tag. */
export function hasTag(prompt: string, name: string): boolean {
  return findExtraNetworks(prompt).some((m) => m.kind === 'hypernet' && m.args.split(':')[0] === name);
}
