import { useEffect, useRef, useState, type DragEvent } from 'react';
import { droppedEntries } from '../storage/folder-files.ts';
import { addHypernetworkFiles } from '../state/actions/hypernetworks.ts';
import { importDroppedFolder } from './folder-import.ts';
// PNGs dropped go to PNG Info, everything else to the hypernetwork library
import { addDroppedFiles } from '../state/actions/png-info.ts';
import { useStudio } from '../state/store.ts';
import './DropZone.css';

// hypernetworks, and A1111 checkpoints with their companions (converted into installed models)
const ACCEPTED = '.pt,.pth,.ckpt,.safetensors,.yaml';

function carriesFiles(event: { dataTransfer: DataTransfer | null }): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

/** Drag-and-drop target plus a file picker for one or several hypernetwork files. */
export function DropZone() {
  const inputRef = useRef<HTMLInputElement>(null);
  // dragenter/dragleave fire for every child crossed; count them so the highlight does not flicker.
  const dragDepth = useRef(0);
  const [dragging, setDragging] = useState(false);
  // Once cards are shown the zone shrinks to a bar so the cards get the space.
  const compact = useStudio((s) => s.hypernetworks.length > 0);

  useAcceptFilesDroppedAnywhere();

  const onDragEnter = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth.current += 1;
    setDragging(true);
  };
  const onDragOver = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = () => {
    dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    acceptDrop(event.dataTransfer);
  };

  return (
    <section
      className={`drop-zone${compact ? ' is-compact' : ''}${dragging ? ' is-dragging' : ''}`}
      data-testid="drop-zone"
      aria-labelledby="drop-zone-title"
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <svg className="drop-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5" />
        <path d="M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" />
      </svg>
      <div className="drop-text">
        <h2 id="drop-zone-title" className="drop-title" title="Drop hypernetwork files (.pt) here">
          {compact ? 'Drop .pt files here' : 'Drop hypernetwork files here'}
        </h2>
        {!compact && (
          <p className="drop-hint">
            <code>.pt</code> files from AUTOMATIC1111 or NovelAI — several at once. They are read in a worker, never run.
            An SD 1.x/2.x checkpoint (<code>.safetensors</code>/<code>.ckpt</code>, with its <code>.yaml</code> or
            VAE) dropped here is converted into an installed model.
          </p>
        )}
      </div>
      <button type="button" className="button button-primary" onClick={() => inputRef.current?.click()}>
        Choose files…
      </button>
      <input
        ref={inputRef}
        className="visually-hidden"
        type="file"
        multiple
        accept={ACCEPTED}
        tabIndex={-1}
        aria-label="Hypernetwork files"
        data-testid="file-input"
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = ''; // so picking the same file again fires change
          void addHypernetworkFiles(files);
        }}
      />
    </section>
  );
}

/** A dropped folder is a model to import; PNGs go to PNG Info, everything else to the hypernetwork library. */
function acceptDrop(data: DataTransfer | null): void {
  const folders = droppedEntries(data);
  if (folders) void importDroppedFolder(folders);
  else void addDroppedFiles(Array.from(data?.files ?? []));
}

/**
 * A file dropped beside the zone would make the browser open it and leave the app; take it as a drop on the
 * zone instead. The zone's own handler runs first (React listens on the root) and marks the event handled.
 */
function useAcceptFilesDroppedAnywhere(): void {
  useEffect(() => {
    const allow = (event: globalThis.DragEvent) => {
      if (carriesFiles(event)) event.preventDefault();
    };
    const drop = (event: globalThis.DragEvent) => {
      if (event.defaultPrevented || !carriesFiles(event)) return;
      event.preventDefault();
      acceptDrop(event.dataTransfer);
    };
    window.addEventListener('dragover', allow);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', allow);
      window.removeEventListener('drop', drop);
    };
  }, []);
}
