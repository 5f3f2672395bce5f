import { useState, type ReactNode } from 'react';
import { removeHypernetwork, renameHypernetwork } from '../state/actions/hypernetworks.ts';
import { addToStack } from '../state/actions/stack.ts';
import { useStudio } from '../state/store.ts';
import { entryName, type EntryError, type HypernetworkEntry } from '../state/hypernetwork-entry.ts';
import { formatBytes } from './format.ts';
import { HypernetworkFacts } from './HypernetworkFacts.tsx';
import './EntryCard.css';

/** One file: a spinner while the worker reads it, then its facts or the reason it was refused. */
export function EntryCard({ entry }: { entry: HypernetworkEntry }) {
  const titleId = `${entry.id}-title`;
  const title = entry.status === 'ready' ? (entry.name ?? entry.card.name) : entry.fileName;
  return (
    <article
      className={`card is-${entry.status}`}
      data-testid="hn-card"
      data-status={entry.status}
      data-file-name={entry.fileName}
      aria-labelledby={titleId}
      aria-busy={entry.status === 'reading'}
    >
      <header className="card-header">
        <div className="card-heading">
          <h3 id={titleId} className="card-title" data-testid="hn-name">
            {title}
          </h3>
          <p className="card-file" data-testid="hn-file">
            {/* the title already is the file name until the file's own name is known */}
            {entry.status === 'ready' && (
              <>
                <span className="card-file-name">{entry.fileName}</span>
                <span aria-hidden="true"> · </span>
              </>
            )}
            <span title={`${entry.fileSize.toLocaleString('en-US')} bytes`} data-testid="hn-file-size">
              {formatBytes(entry.fileSize)}
            </span>
          </p>
          {entry.status === 'ready' && <RenameControl entry={entry} />}
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label={`Remove ${entry.fileName}`}
          data-testid="hn-remove"
          onClick={() => void removeHypernetwork(entry.id)}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6 6 18" />
          </svg>
        </button>
      </header>
      {body(entry)}
      {entry.status === 'ready' && <StackAction id={entry.id} stem={entryName(entry)} />}
    </article>
  );
}

/** "Rename": the name shown and used by `<hypernet:name:mult>` tags (blank: back to the file stem). */
function RenameControl({ entry }: { entry: HypernetworkEntry }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const name = entryName(entry);
  if (draft === null) {
    return (
      <button type="button" className="link-button" aria-label={`Rename ${name}`} data-testid="hn-rename" onClick={() => setDraft(name)}>
        Rename
      </button>
    );
  }
  const save = () => {
    const ok = renameHypernetwork(entry.id, draft);
    setInvalid(!ok);
    if (ok) setDraft(null);
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
        aria-invalid={invalid}
        value={draft}
        autoFocus
        onChange={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Escape' && setDraft(null)}
      />
      <button type="submit" className="button button-ghost">
        Save name
      </button>
      {invalid && (
        <span className="muted" role="alert">
          A name cannot contain “:”, “&lt;” or “&gt;”.
        </span>
      )}
    </form>
  );
}

/** "Add to stack": the file's hypernetwork runs inside the U-Net from the next generation on. */
function StackAction({ id, stem }: { id: string; stem: string }) {
  const inStack = useStudio((s) => s.stack.entries.find((e) => e.id === id));
  return (
    <div className="card-actions">
      <code className="card-tag muted" title="Type this in the prompt to select it, as in A1111">
        &lt;hypernet:{stem}:1&gt;
      </code>
      {inStack?.enabled ? (
        <span className="badge badge-ok" data-testid="hn-in-stack">
          in the stack
        </span>
      ) : (
        <button type="button" className="button button-secondary" aria-label={`Add ${stem} to the stack`} data-testid="hn-add-to-stack" onClick={() => addToStack(id)}>
          {inStack ? 'Enable in stack' : 'Add to stack'}
        </button>
      )}
    </div>
  );
}

function body(entry: HypernetworkEntry): ReactNode {
  switch (entry.status) {
    case 'reading':
      return (
        <p className="card-reading" role="status">
          <span className="spinner" aria-hidden="true" /> Reading…
        </p>
      );
    case 'error':
      return <ErrorBody error={entry.error} />;
    case 'ready':
      return <HypernetworkFacts card={entry.card} />;
  }
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
