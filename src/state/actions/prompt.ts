/**
 * The prompt the user types, read once into the store: its `<hypernet:name:mult>` tags select the stack, as
 * A1111 applies them (tags in prompt order, the first of a repeated name counts, unknown names are skipped, an
 * unparsable multiplier applies none). A strength typed in a tag is a strength change like a slider's: live
 * mode re-generates for it.
 */
import { parseHypernetTags } from '../../core/diffusion/prompt/hypernet-tags.ts';
import type { StackEntry } from '../stack-types.ts';
import { useStudio, type StudioState } from '../store.ts';
import { setParams } from './generation.ts';
import { commitStrengthChange } from './live.ts';
import { entryForName } from './stack.ts';
import { syncStack } from './stack-sync.ts';

/** How the stack changed when the prompt's tags were read. */
export type TagChange = 'none' | 'strengths' | 'stack';

/** The prompt field: sets the prompt and lets its tags set the stack. */
export function setPrompt(prompt: string): void {
  setParams({ prompt });
  if (applyPromptTags(prompt) === 'strengths') commitStrengthChange('typed');
}

/**
 * Makes the stack follow the prompt's tags: each known name is enabled at its multiplier, the tagged entries
 * first in tag order, every other entry switched off (kept in the panel with its strength). An unparsable
 * multiplier (mid-typing, say) leaves the stack as it is.
 */
export function applyPromptTags(prompt = useStudio.getState().generation.params.prompt): TagChange {
  const state = useStudio.getState();
  const { tags, error } = parseHypernetTags(prompt);
  if (error) return 'none';
  const tagged: StackEntry[] = [];
  for (const tag of tags) {
    const id = entryForName(state, tag.name);
    // unknown, a repeated name (the first counts), or inf/nan (Python reads them; they would poison the image)
    if (id === undefined || tagged.some((t) => t.id === id) || !Number.isFinite(tag.multiplier)) continue;
    tagged.push({ id, enabled: true, strength: tag.multiplier });
  }
  const { entries } = state.stack;
  const next = [...tagged, ...entries.filter((e) => !tagged.some((t) => t.id === e.id)).map((e) => (e.enabled ? { ...e, enabled: false } : e))];
  const same = (a: StackEntry, b: StackEntry | undefined) => b !== undefined && a.id === b.id && a.enabled === b.enabled;
  if (next.length === entries.length && next.every((e, i) => same(e, entries[i]) && Object.is(e.strength, entries[i]!.strength))) return 'none';
  useStudio.setState((s) => ({ stack: { ...s.stack, entries: next } }));
  void syncStack();
  return next.length === entries.length && next.every((e, i) => same(e, entries[i])) ? 'strengths' : 'stack';
}

/** Tag names of the prompt that no loaded hypernetwork has (A1111 skips them silently; the panel says so). */
export function unknownTagNames(state: StudioState): string[] {
  const { tags } = parseHypernetTags(state.generation.params.prompt);
  return [...new Set(tags.map((t) => t.name).filter((name) => entryForName(state, name) === undefined))];
}

/** The float() error of an unparsable tag multiplier, or null. */
export function promptTagError(state: StudioState): string | null {
  return parseHypernetTags(state.generation.params.prompt).error;
}
