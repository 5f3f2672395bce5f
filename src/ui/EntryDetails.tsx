import { useState } from 'react';
import { renameHypernetwork } from '../state/actions/hypernetworks.ts';
import { entryName, type EntryError, type HypernetworkEntry } from '../state/hypernetwork-entry.ts';
import { HypernetworkFacts } from './HypernetworkFacts.tsx';

/** What an open library row shows: every fact and the tag name with "Rename", or why the file was refused. */
export function EntryDetails({ entry }: { entry: HypernetworkEntry }) {
  switch (entry.status) {
    case 'reading':
    case 'removing':
      return null;
    case 'error':
      return <ErrorBody error={entry.error} />;
    case 'ready':
      return (
        <>
          <HypernetworkFacts card={entry.card} />
          <div className="card-tools">
            <span className="muted">
              Tag name{' '}
              <code className="card-tag" data-testid="hn-tag-name" title="Type it in the prompt to select the file, as in A1111">
                {entryName(entry)}
              </code>
            </span>
            <RenameControl entry={entry} />
          </div>
        </>
      );
  }
}

/** "Rename": the name `<hypernet:name:mult>` tags use (blank: back to the file stem). */
function RenameControl({ entry }: { entry: HypernetworkEntry }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const name = entryName(entry);
  if (draft === null) {
    return (
      <button type="button" className="link-button" aria-label={`Rename ${name}`} data-testid="hn-rename" onClick={() => setDraft(name)}>
        Rename
      </button>
    );
  }
  const save = () => {
    const refused = renameHypernetwork(entry.id, draft);
    setProblem(refused);
    if (!refused) setDraft(null);
  };
  return (
    <form
      className="rename-form"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <input
        className="input"
        aria-label={`New name for ${name}`}
        aria-invalid={problem !== null}
        value={draft}
        autoFocus
        onChange={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Escape' && setDraft(null)}
      />
      <button type="submit" className="button button-ghost">
        Save name
      </button>
      {problem && (
        <span className="muted" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}

function ErrorBody({ error }: { error: EntryError }) {
  const details = Object.entries(error.details).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v));
  return (
    <div className="card-error" role="alert" data-testid="hn-card-error" data-code={error.code}>
      <p className="card-error-head">
        <span className="badge badge-danger" data-testid="hn-error-code">
          {error.code}
        </span>
        Could not read this file
      </p>
      <p className="card-error-message" data-testid="hn-error-message">
        {error.message}
      </p>
      {details.length > 0 && (
        <dl className="card-error-details">
          {details.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
