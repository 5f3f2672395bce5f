import { useShallow } from 'zustand/react/shallow';
import { promptTagError, unknownTagNames } from '../state/actions/prompt.ts';
import { useStudio } from '../state/store.ts';
import './PromptTagNotes.css';

/** Under the prompt: tags naming no loaded hypernetwork, and an unparsable multiplier. */
export function PromptTagNotes() {
  const unknown = useStudio(useShallow(unknownTagNames));
  const error = useStudio(promptTagError);
  if (unknown.length === 0 && !error) return null;
  return (
    <div className="tag-notes" data-testid="tag-notes">
      {unknown.map((name) => (
        <p key={name} className="tag-note" data-testid="unknown-tag" data-name={name}>
          <span className="badge badge-warn">ignored</span> <code>&lt;hypernet:{name}&gt;</code>: no loaded hypernetwork file is named{' '}
          <code>{name}.pt</code> (A1111 skips it silently).
        </p>
      ))}
      {error && (
        <p className="tag-note" data-testid="tag-error">
          <span className="badge badge-warn">no tags applied</span> {error}. A1111 then applies none of the prompt&apos;s hypernetwork tags.
        </p>
      )}
    </div>
  );
}
