import { useId, useRef, useState, type DragEvent } from 'react';
import { moveStackEntry, moveStackEntryBy, removeFromStack, setEnabled, setStrength } from '../state/actions/stack.ts';
import { entryMismatch } from '../state/actions/stack-sync.ts';
import { entryName, type HypernetworkEntry } from '../state/hypernetwork-entry.ts';
import { reachText, stackReach } from '../state/stack-reach.ts';
import { STRENGTH_MAX, STRENGTH_MIN, STRENGTH_STEP, type AppliedStack, type StackEntry } from '../state/stack-types.ts';
import { useStudio } from '../state/store.ts';

/** The drag type of a stack row (files dragged from the desktop carry "Files" and go to the library instead). */
const ROW_TYPE = 'application/x-hnstudio-stack-entry';

/** The tag name of a library entry (its id when it is gone). */
export function stemFor(library: HypernetworkEntry[], id: string): string {
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

/** One hypernetwork of the stack: enable switch, strength slider and exact field, move and remove, what it touches. */
export function StackRow({ entry, index, count, library, applied, modelReady, dragging, setDragging }: RowProps) {
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
        {entry.enabled && mismatch && (
          <>
            <span className="badge badge-warn">does nothing here</span>{' '}
          </>
        )}
        {reach}
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
