import { useEffect, useId, useRef, type ReactNode } from 'react';
import { removeHypernetwork } from '../state/actions/hypernetworks.ts';
import { isEntryOpen, setEntryOpen } from '../state/actions/library-view.ts';
import { addToStack } from '../state/actions/stack.ts';
import { entryMismatch } from '../state/actions/stack-sync.ts';
import { useStudio } from '../state/store.ts';
import { entryName, type HypernetworkEntry, type KeptState } from '../state/hypernetwork-entry.ts';
import { formatBytes, formatStructure } from './format.ts';
import { EntryDetails } from './EntryDetails.tsx';
import './EntryCard.css';

/**
 * One file of the library as a compact row: the file name first, the name inside the file second, its size and
 * widths, whether it is kept in this browser, and "Add to stack". Opening it shows every fact (or the reason
 * the file was refused), its tag and "Rename".
 */
export function EntryCard({ entry }: { entry: HypernetworkEntry }) {
  const open = useStudio((s) => isEntryOpen(s, entry));
  const notice = useStudio((s) => (s.session.libraryNotice?.id === entry.id ? s.session.libraryNotice.message : null));
  const mismatch = useStudio((s) => entryMismatch(s, entry.id));
  const modelName = useStudio((s) => s.model.info?.name);
  const ref = useRef<HTMLElement>(null);
  const bodyId = useId();
  const titleId = `${entry.id}-title`;
  // a file dropped again points here: bring the card into view
  useEffect(() => {
    if (notice) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [notice]);

  return (
    <article
      ref={ref}
      className={`card hn-card is-${entry.status}${notice ? ' is-focused' : ''}`}
      data-testid="hn-card"
      data-status={entry.status}
      data-file-name={entry.fileName}
      data-open={open}
      aria-labelledby={titleId}
      aria-busy={entry.status === 'reading' || entry.status === 'removing'}
    >
      <header className="card-header">
        <button
          type="button"
          className="icon-button card-toggle"
          aria-expanded={open}
          aria-controls={bodyId}
          aria-label={`${open ? 'Hide' : 'Show'} the details of ${entry.fileName}`}
          data-testid="hn-toggle"
          onClick={() => setEntryOpen(entry.id, !open)}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M9 6l6 6-6 6" />
          </svg>
        </button>
        <div className="card-heading">
          <h3 id={titleId} className="card-title" data-testid="hn-file">
            {entry.fileName}
          </h3>
          <p className="card-sub">
            <Subtitle entry={entry} />
          </p>
        </div>
        <div className="card-row-actions">
          {entry.status === 'ready' && <StackAction id={entry.id} name={entryName(entry)} />}
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${entry.fileName}`}
            data-testid="hn-remove"
            disabled={entry.status === 'removing'}
            onClick={() => void removeHypernetwork(entry.id)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 6l12 12M18 6 6 18" />
            </svg>
          </button>
        </div>
      </header>
      {notice && (
        <p className="card-note is-focus" role="status" data-testid="hn-notice">
          {notice}
        </p>
      )}
      {entry.note && (
        <p className="card-note" data-testid="hn-note">
          {entry.note}
        </p>
      )}
      {mismatch && (
        <p className="card-note is-warn" data-testid="hn-mismatch" title={mismatch}>
          <span className="badge badge-warn">no matching width</span> {modelName ? `does nothing on ${modelName}` : 'does nothing on this model'}
          {open && <span className="card-note-more"> {mismatch}</span>}
        </p>
      )}
      <div id={bodyId} className="card-details" hidden={!open}>
        <EntryDetails entry={entry} />
      </div>
    </article>
  );
}

/** The line under the file name: internal name, tag name, size, widths, reading or kept state. */
function Subtitle({ entry }: { entry: HypernetworkEntry }) {
  const parts: ReactNode[] = [];
  if (entry.status === 'ready') {
    parts.push(
      <span key="name" className="card-internal" data-testid="hn-name" title="The name stored inside the file">
        {entry.card.name}
      </span>,
      <span key="widths" className="mono" title="Widths (the layer structure in brackets)">
        {entry.card.sizes.join('·')} [{formatStructure(entry.card.layerStructure)}]
      </span>,
    );
  }
  if (entry.status === 'error') parts.push(<span key="error" className="badge badge-danger">{entry.error.code}</span>);
  parts.push(
    <span key="size" title={`${entry.fileSize.toLocaleString('en-US')} bytes`} data-testid="hn-file-size">
      {formatBytes(entry.fileSize)}
    </span>,
  );
  if (entry.status === 'reading' || entry.status === 'removing') {
    parts.push(
      <span key="busy" className="card-busy" role="status">
        <span className="spinner" aria-hidden="true" /> {entry.status === 'reading' ? 'Reading…' : 'Removing…'}
      </span>,
    );
  }
  if (entry.kept) parts.push(<Kept key="kept" kept={entry.kept} />);
  return <>{parts.flatMap((p, i) => (i === 0 ? [p] : [<span key={`sep-${i}`} className="card-sep" aria-hidden="true">·</span>, p]))}</>;
}

/** Whether the file is kept in this browser: said only once the write has committed. */
function Kept({ kept }: { kept: KeptState }) {
  switch (kept.state) {
    case 'saving':
      return <span data-testid="hn-kept" data-kept="saving">saving…</span>;
    case 'kept':
      return (
        <span data-testid="hn-kept" data-kept="kept" title="Kept in this browser: it comes back after a reload">
          kept
        </span>
      );
    case 'failed':
      return (
        <span className="card-kept-failed" data-testid="hn-kept" data-kept="failed" title={kept.reason}>
          not kept: {kept.reason}
        </span>
      );
  }
}

/** "Add to stack": the file's hypernetwork runs inside the U-Net from the next generation on. */
function StackAction({ id, name }: { id: string; name: string }) {
  const inStack = useStudio((s) => s.stack.entries.find((e) => e.id === id));
  if (inStack?.enabled) {
    return (
      <span className="badge badge-ok" data-testid="hn-in-stack">
        in the stack
      </span>
    );
  }
  return (
    <button type="button" className="button button-secondary card-add" aria-label={`Add ${name} to the stack`} data-testid="hn-add-to-stack" onClick={() => addToStack(id)}>
      {inStack ? 'Enable' : 'Add'}
    </button>
  );
}
