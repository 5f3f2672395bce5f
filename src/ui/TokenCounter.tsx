import './TokenCounter.css';
import { useStudio } from '../state/store.ts';

/** A1111's "12/75" beside the prompt: tokens used out of 75 per chunk (counted off the page thread). */
export function TokenCounter() {
  const prompt = useStudio((s) => s.generation.params.prompt);
  const tokens = useStudio((s) => s.session.promptTokens);
  if (!tokens) return null;
  const stale = tokens.prompt !== prompt;
  if (tokens.error) {
    return (
      <span className="token-count is-error" data-testid="token-count" data-error="true" title={tokens.error} role="status">
        {tokens.error.length > 80 ? `${tokens.error.slice(0, 80)}…` : tokens.error}
      </span>
    );
  }
  return (
    <span className={`token-count mono${stale ? ' is-stale' : ''}`} data-testid="token-count" data-count={tokens.count} title="Tokens used, out of 75 per chunk (A1111's counter)" role="status">
      {tokens.count}/{tokens.limit}
    </span>
  );
}
