import { useId, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  clearStack,
  moveStackEntry,
  moveStackEntryBy,
  removeFromStack,
  setEnabled,
  setStrength,
} from '../state/actions/stack.ts';
import { promptTagError, unknownTagNames } from '../state/actions/prompt.ts';
import { entryMismatch } from '../state/actions/stack-sync.ts';
import { entryName, type HypernetworkEntry } from '../state/hypernetwork-entry.ts';
import { reachText, stackReach } from '../state/stack-reach.ts';
import { STRENGTH_MAX, STRENGTH_MIN, STRENGTH_STEP, type AppliedStack, type StackEntry } from '../state/stack-types.ts';
import { useStudio } from '../state/store.ts';
import './StackPanel.css';

/** The drag type of a stack row (files dragged from the desktop carry "Files" and go to the library instead). */
const ROW_TYPE = 'application/x-hnstudio-stack-entry';

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
          <p className="stack-hint muted">Applied top to bottom, as A1111 applies prompt tags in order.</p>
          <button type="button" className="button button-ghost" data-testid="stack-clear" onClick={clearStack}>
            Remove all
          </button>
        </div>
      )}
    </section>
  );
}

function stemFor(library: HypernetworkEntry[], id: string): string {
  const entry = library.find((e) => e.id === id);
  return entry ? entryName(entry) : id;
}

interface RowProps {
  entry: StackEntry;
  index: number;
  count: number;
  library: HypernetworkEntry[];
  applied: AppliedStack | null;
  modelReady: boolean;
  dragging: string | null;
  setDragging: (id: string | null) => void;
}

function StackRow({ entry, index, count, library, applied, modelReady, dragging, setDragging }: RowProps) {
  const id = useId();
  const [dropTarget, setDropTarget] = useState(false);
  const upRef = useRef<HTMLButtonElement>(null);
  const downRef = useRef<HTMLButtonElement>(null);
  // a move to either end disables the button just used: keep the keyboard focus on the row's other one
  const move = (delta: -1 | 1) => {
    moveStackEntryBy(entry.id, delta);
    const atEnd = delta < 0 ? index - 1 <= 0 : index + 1 >= count - 1;
    if (atEnd) requestAnimationFrame(() => (delta < 0 ? downRef : upRef).current?.focus());
  };
  const file = library.find((e) => e.id === entry.id);
  const stem = stemFor(library, entry.id);
  const name = file?.status === 'ready' && file.card.name !== stem ? file.card.name : null;
  const appliedIndex = applied ? applied.ids.indexOf(entry.id) : -1;
  const mismatch = useStudio((s) => entryMismatch(s, entry.id));
  const reach = !entry.enabled
    ? 'off'
    : mismatch
      ? mismatch
      : !modelReady
      ? 'load a model to see what it touches'
      : appliedIndex >= 0 && applied
        ? reachText(stackReach(applied.info, appliedIndex))
        : 'applied at the next generation';

  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(ROW_TYPE, entry.id);
    event.dataTransfer.effectAllowed = 'move';
    setDragging(entry.id);
  };
  const accepts = (event: DragEvent) => event.dataTransfer.types.includes(ROW_TYPE);
  const onDragOver = (event: DragEvent) => {
    if (!accepts(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    setDropTarget(true);
  };
  const onDrop = (event: DragEvent) => {
    if (!accepts(event)) return;
    event.preventDefault();
    setDropTarget(false);
    setDragging(null);
    moveStackEntry(event.dataTransfer.getData(ROW_TYPE), index);
  };

  return (
    <li
      className={`stack-row${entry.enabled ? '' : ' is-off'}${dragging === entry.id ? ' is-dragging' : ''}${dropTarget ? ' is-drop-target' : ''}`}
      data-testid="stack-entry"
      data-id={entry.id}
      data-name={stem}
      data-enabled={entry.enabled}
      data-strength={entry.strength}
      draggable
      onDragStart={onDragStart}
      onDragEnd={() => setDragging(null)}
      onDragOver={onDragOver}
      onDragLeave={() => setDropTarget(false)}
      onDrop={onDrop}
      aria-labelledby={`${id}-name`}
    >
      <div className="stack-row-head">
        <span className="drag-handle" aria-hidden="true" title="Drag to reorder">
          ⠿
        </span>
        <label className="switch" title={entry.enabled ? 'On' : 'Off'}>
          <input
            type="checkbox"
            role="switch"
            checked={entry.enabled}
            aria-label={`Enable ${stem}`}
            data-testid="stack-enable"
            onChange={(e) => setEnabled(entry.id, e.currentTarget.checked)}
          />
          <span className="switch-track" aria-hidden="true" />
        </label>
        <div className="stack-name">
          <span id={`${id}-name`} className="stack-name-stem mono">
            {stem}
          </span>
          {name && <span className="muted stack-name-internal"> “{name}”</span>}
        </div>
        <div className="stack-row-buttons">
          <button
            type="button"
            className="icon-button"
            aria-label={`Move ${stem} up`}
            title="Apply earlier"
            disabled={index === 0}
            data-testid="stack-up"
            ref={upRef}
            onClick={() => move(-1)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 15l6-6 6 6" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={`Move ${stem} down`}
            title="Apply later"
            disabled={index === count - 1}
            data-testid="stack-down"
            ref={downRef}
            onClick={() => move(1)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 9l6 6 6-6" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${stem} from the stack`}
            data-testid="stack-remove"
            onClick={() => removeFromStack(entry.id)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 6l12 12M18 6 6 18" />
            </svg>
          </button>
        </div>
      </div>
      <div className="stack-strength">
        <input
          type="range"
          className="range"
          min={STRENGTH_MIN}
          max={STRENGTH_MAX}
          step={STRENGTH_STEP}
          value={Math.min(STRENGTH_MAX, Math.max(STRENGTH_MIN, entry.strength))}
          aria-label={`Strength of ${stem}`}
          aria-valuetext={String(entry.strength)}
          data-testid="stack-slider"
          onChange={(e) => setStrength(entry.id, e.currentTarget.valueAsNumber)}
        />
        <StrengthField stem={stem} value={entry.strength} onCommit={(v) => setStrength(entry.id, v)} />
      </div>
      <p
        className={`stack-reach${entry.enabled ? '' : ' muted'}${entry.enabled && mismatch ? ' is-warn' : ''}`}
        data-testid="stack-reach"
        data-mismatch={entry.enabled && mismatch !== null}
        title="What this hypernetwork touches in the loaded model"
      >
        {entry.enabled && mismatch && <span className="badge badge-warn">does nothing here</span>} {reach}
      </p>
    </li>
  );
}

/** The exact strength: any finite number (A1111 and ComfyUI take values beyond the slider). */
function StrengthField({ stem, value, onCommit }: { stem: string; value: number; onCommit: (value: number) => void }) {
  // the text being typed ("-", "1e", "0.") stays as typed; the slider's value shows otherwise
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      type="number"
      className="input mono stack-number"
      step="any"
      inputMode="decimal"
      aria-label={`Exact strength of ${stem}`}
      data-testid="stack-number"
      value={draft ?? String(value)}
      onChange={(e) => {
        const text = e.currentTarget.value;
        setDraft(text);
        const v = e.currentTarget.valueAsNumber;
        if (text.trim() !== '' && Number.isFinite(v)) onCommit(v);
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

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
