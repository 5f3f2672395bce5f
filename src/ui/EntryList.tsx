import { useStudio } from '../state/store.ts';
import { clearHypernetworks } from '../state/actions/hypernetworks.ts';
import { EntryCard } from './EntryCard.tsx';
import './EntryList.css';

/** The cards, in drop order. */
export function EntryList() {
  const entries = useStudio((s) => s.hypernetworks);
  if (entries.length === 0) return null;
  return (
    <section className="entries" aria-labelledby="entries-title">
      <div className="entries-bar">
        <h2 id="entries-title" className="entries-title">
          {entries.length} {entries.length === 1 ? 'file' : 'files'}
        </h2>
        <button type="button" className="button button-ghost" onClick={() => void clearHypernetworks()}>
          Clear all
        </button>
      </div>
      <ol className="entry-grid">
        {entries.map((entry) => (
          <li key={entry.id} className="entry-grid-item">
            <EntryCard entry={entry} />
          </li>
        ))}
      </ol>
    </section>
  );
}
