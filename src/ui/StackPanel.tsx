import { useId, useState } from 'react';
import { clearStack } from '../state/actions/stack.ts';
import { entryMismatch } from '../state/actions/stack-sync.ts';
import { useStudio } from '../state/store.ts';
import { StackRow, stemFor } from './StackRow.tsx';
import './StackPanel.css';

/**
 * The U-Net's hypernetwork stack: one row per hypernetwork in application order, with an enable switch, a
 * strength slider and exact field, reordering (drag, or the move buttons), removal, and what it touches in the
 * loaded model. `data-session-creations` exposes the engine's instrumented counter for tests.
 */
export function StackPanel() {
  const entries = useStudio((s) => s.stack.entries);
  const applied = useStudio((s) => s.stack.applied);
  const sync = useStudio((s) => s.stack.sync);
  const error = useStudio((s) => s.stack.error);
  const library = useStudio((s) => s.hypernetworks);
  const modelReady = useStudio((s) => s.model.status === 'ready');
  const titleId = useId();
  const [dragging, setDragging] = useState<string | null>(null);
  const enabledCount = entries.filter((e) => e.enabled).length;
  const inert = useStudio((s) => s.stack.entries.filter((e) => e.enabled && entryMismatch(s, e.id)).length);

  return (
    <section
      className="stack-panel"
      aria-labelledby={titleId}
      data-testid="stack-panel"
      data-sync={sync}
      data-session-creations={applied?.info.sessionCreations ?? ''}
      data-rebuilt={applied ? String(applied.info.rebuilt) : ''}
      data-applied={applied ? applied.ids.map((id) => stemFor(library, id)).join(',') : ''}
      aria-busy={sync !== 'idle'}
    >
      <div className="stack-header">
        <h3 id={titleId} className="stack-title">
          Hypernetwork stack
          {entries.length > 0 && (
            <span className="muted">
              {' '}
              · {enabledCount}/{entries.length} on
            </span>
          )}
        </h3>
        <p className="stack-status" role="status" aria-live="polite" data-testid="stack-status">
          {sync === 'compiling' ? (
            <>
              <span className="spinner" aria-hidden="true" /> Compiling the U-Net…
            </>
          ) : sync === 'updating' ? (
            'Updating strengths…'
          ) : applied && modelReady ? (
            <span className="muted">
              {applied.ids.length === 0 ? 'Base U-Net' : `${applied.ids.length} in the U-Net`}
              {inert > 0 && ` · ${inert} with no matching width, left out`} · {applied.info.sessionCreations}{' '}
              {applied.info.sessionCreations === 1 ? 'session' : 'sessions'} built
            </span>
          ) : null}
        </p>
      </div>

      {error && (
        <div className="panel-error" role="alert" data-testid="stack-error" data-code={error.code}>
          <p className="panel-error-head">
            <span className="badge badge-danger">{error.code}</span>
            The stack could not be applied
          </p>
          <p className="panel-error-message">{error.message}</p>
        </div>
      )}

      {entries.length === 0 ? (
        <p className="stack-empty muted" data-testid="stack-empty">
          Add a hypernetwork from its card (drop a <code>.pt</code> file on the page), or type{' '}
          <code>&lt;hypernet:name:1&gt;</code> in the prompt.
        </p>
      ) : (
        <ol className="stack-list" aria-label="Hypernetworks in application order">
          {entries.map((entry, index) => (
            <StackRow
              key={entry.id}
              entry={entry}
              index={index}
              count={entries.length}
              library={library}
              applied={applied}
              modelReady={modelReady}
              dragging={dragging}
              setDragging={setDragging}
            />
          ))}
        </ol>
      )}

      {entries.length > 0 && (
        <div className="stack-actions">
          <p className="stack-hint muted">
            Applied top to bottom. The prompt’s <code>&lt;hypernet:…&gt;</code> tags are this stack: they follow its order and strengths, and editing them edits it.
          </p>
          <button type="button" className="button button-ghost" data-testid="stack-clear" onClick={clearStack}>
            Remove all
          </button>
        </div>
      )}
    </section>
  );
}
