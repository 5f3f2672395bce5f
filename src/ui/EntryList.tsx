import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { clearHypernetworks, dismissLibraryNotice } from '../state/actions/hypernetworks.ts';
import { setAllOpen, setLibraryFilter, setLibrarySort, visibleEntries } from '../state/actions/library-view.ts';
import type { LibrarySort } from '../state/session-types.ts';
import { useStudio } from '../state/store.ts';
import { EntryCard } from './EntryCard.tsx';
import './EntryList.css';

const SORTS: { value: LibrarySort; label: string }[] = [
  { value: 'added', label: 'Order added' },
  { value: 'file', label: 'File name' },
  { value: 'name', label: 'Internal name' },
  { value: 'size', label: 'Size' },
  { value: 'status', label: 'Problems first' },
];

/** The library: a filterable, sortable list of compact cards that scrolls inside its panel. */
export function EntryList() {
  const count = useStudio((s) => s.hypernetworks.length);
  // a new array only when an entry changes (zustand compares selector results)
  const shown = useStudio(useShallow(visibleEntries));
  const view = useStudio((s) => s.session.library);
  const notice = useStudio((s) => (s.session.libraryNotice && !s.session.libraryNotice.id ? s.session.libraryNotice.message : null));
  const id = useId();
  if (count === 0 && !notice) return null;
  return (
    <section className="entries" aria-labelledby={`${id}-title`} data-testid="library">
      <div className="entries-bar">
        <h2 id={`${id}-title`} className="entries-title">
          {count} {count === 1 ? 'file' : 'files'}
          {shown.length < count && <span className="muted"> · {shown.length} shown</span>}
        </h2>
        <button type="button" className="button button-ghost" onClick={() => void clearHypernetworks()}>
          Clear all
        </button>
      </div>
      {count > 1 && (
        <div className="entries-tools">
          <input
            className="input entries-filter"
            type="search"
            placeholder="Filter by name"
            aria-label="Filter the hypernetwork files"
            data-testid="library-filter"
            value={view.filter}
            onChange={(e) => setLibraryFilter(e.currentTarget.value)}
          />
          <select className="select entries-sort" aria-label="Sort the hypernetwork files" data-testid="library-sort" value={view.sort} onChange={(e) => setLibrarySort(e.currentTarget.value as LibrarySort)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          <button type="button" className="button button-ghost" onClick={() => setAllOpen(false)}>
            Collapse all
          </button>
          <button type="button" className="button button-ghost" onClick={() => setAllOpen(true)}>
            Expand all
          </button>
        </div>
      )}
      {notice && (
        <p className="entries-notice" role="alert" data-testid="library-notice">
          {notice}{' '}
          <button type="button" className="link-button" onClick={dismissLibraryNotice}>
            Dismiss
          </button>
        </p>
      )}
      <ol className="entry-list" aria-label="Hypernetwork files">
        {shown.map((entry) => (
          <li key={entry.id} className="entry-list-item">
            <EntryCard entry={entry} />
          </li>
        ))}
      </ol>
      {count > 0 && shown.length === 0 && <p className="muted">No file matches “{view.filter}”.</p>}
    </section>
  );
}
