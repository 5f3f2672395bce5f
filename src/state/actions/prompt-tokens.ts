/**
 * The prompt box's token counter: whenever the prompt or the model changes, A1111's count is asked of the
 * parse worker (debounced; a stale answer is dropped), so typing never waits for tokenizing and a hostile
 * paste is counted — or refused with its reason — off the page thread.
 */
import { isStudioError } from '../../core/errors.ts';
import type { ModelSpec } from '../../engine/api.ts';
import { getParser } from '../../engine/parse-client.ts';
import type { PromptTokens } from '../session-types.ts';
import { useStudio } from '../store.ts';

const DEBOUNCE_MS = 150;

function store(promptTokens: PromptTokens | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, promptTokens } }));
}

/** Counts `prompt` with `model`'s tokenizer; resolves to the counter's state (never rejects). */
export async function countPromptTokens(prompt: string, model: ModelSpec): Promise<PromptTokens> {
  try {
    const r = await getParser().countTokens(prompt, model);
    return { prompt, count: r.tokenCount, limit: r.limit, error: null };
  } catch (e) {
    return { prompt, count: 0, limit: 0, error: isStudioError(e) || e instanceof Error ? e.message : String(e) };
  }
}

/** Keeps `session.promptTokens` in step with the prompt; returns the unsubscribe function. */
export function startTokenCounter(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  let last: { prompt: string; spec: ModelSpec | null } | null = null;
  const update = () => {
    const { generation, model } = useStudio.getState();
    const prompt = generation.params.prompt;
    const spec = model.spec;
    if (last && last.prompt === prompt && last.spec === spec) return;
    last = { prompt, spec };
    clearTimeout(timer);
    if (!spec) return store(null);
    timer = setTimeout(() => {
      const ticket = ++asked;
      void countPromptTokens(prompt, spec).then((counted) => {
        if (ticket === asked) store(counted);
      });
    }, DEBOUNCE_MS);
  };
  const unsubscribe = useStudio.subscribe(update);
  update();
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
