import { useEffect, useRef, useState, type DragEvent } from 'react';
import { droppedEntries } from '../storage/folder-files.ts';
import { loadModel } from '../state/actions/models.ts';
import {
  cancelImport,
  closeModelsDialog,
  dismissImport,
  initStorage,
} from '../state/actions/storage.ts';
import { DEMO_MODEL } from '../state/model-types.ts';
import { useStudio } from '../state/store.ts';
import type { ImportState, StorageState } from '../state/storage-types.ts';
import { ImportFp16Option } from './ImportFp16Option.tsx';
import { InstalledItem } from './InstalledModelItem.tsx';
import { directoryPicker, importDroppedFolder, importFromInput, importFromPicker } from './folder-import.ts';
import { formatBytes, formatDuration } from './format.ts';
import { ProgressBar } from './ModelBar.tsx';
import { importCheckpointFiles, retryCheckpointImport } from '../state/actions/checkpoint-import.ts';
import './ModelsDialog.css';

/** The Models dialog: the built-in demo and the installed models (load, verify, delete), the quota, imports. */
export function ModelsDialog() {
  const storage = useStudio((s) => s.storage);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    void initStorage();
  }, []);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (storage.dialogOpen && !dialog.open) dialog.showModal();
    if (!storage.dialogOpen && dialog.open) dialog.close();
  }, [storage.dialogOpen]);

  return (
    <dialog ref={ref} className="models-dialog" aria-labelledby="models-title" data-testid="models-dialog" onClose={closeModelsDialog}>
      <div className="models-head">
        <h2 id="models-title" className="panel-title">
          Models
        </h2>
        <button type="button" className="button button-ghost" aria-label="Close the models dialog" onClick={closeModelsDialog}>
          Close
        </button>
      </div>
      <StorageLine storage={storage} />
      <ModelList storage={storage} />
      <ImportSection storage={storage} />
    </dialog>
  );
}

function StorageLine({ storage }: { storage: StorageState }) {
  if (!storage.available) {
    return (
      <p className="muted" data-testid="storage-usage">
        This browser offers no private file system (OPFS): models cannot be installed here.
      </p>
    );
  }
  const used = storage.usage !== null && storage.quota !== null ? `${formatBytes(storage.usage)} used of ${formatBytes(storage.quota)}` : 'usage unknown';
  const persisted = storage.persisted ? 'kept (persistent storage granted)' : 'may be cleared by the browser when the disk is short';
  return (
    <p className="storage-usage muted" data-testid="storage-usage" data-persisted={String(storage.persisted)}>
      Browser storage: {used} · {persisted}
    </p>
  );
}

function ModelList({ storage }: { storage: StorageState }) {
  const spec = useStudio((s) => s.model.spec);
  const loadingOrBusy = useStudio((s) => s.model.status === 'loading' || s.generation.status !== 'idle');
  const isDemoLoaded = spec?.kind === 'url' && spec.baseUrl === DEMO_MODEL.baseUrl;
  return (
    <ul className="models-list" aria-label="Available models" data-testid="models-list">
      <li className="models-item" data-testid="installed-model" data-model-id="demo" data-builtin="true">
        <div className="models-item-main">
          <span className="mono">{DEMO_MODEL.name}</span>
          <span className="muted"> · built in, always available</span>
        </div>
        <div className="models-item-actions">
          <button type="button" className="button button-ghost" aria-label={`Load ${DEMO_MODEL.name}`} disabled={isDemoLoaded || loadingOrBusy} onClick={() => void loadModel(DEMO_MODEL)}>
            {isDemoLoaded ? 'Loaded' : 'Load'}
          </button>
        </div>
      </li>
      {storage.models.map((m) => (
        <InstalledItem key={m.id} model={m} storage={storage} loaded={spec?.kind === 'installed' && spec.id === m.id} disabled={loadingOrBusy} />
      ))}
    </ul>
  );
}

function ImportSection({ storage }: { storage: StorageState }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const checkpointRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const busy = storage.import.status === 'validating' || storage.import.status === 'copying';
  const replacing = storage.replacing ? storage.models.find((m) => m.id === storage.replacing) : undefined;
  const choose = () => {
    const picker = directoryPicker();
    if (picker) void importFromPicker(picker);
    else inputRef.current?.click();
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    event.stopPropagation();
    setDragging(false);
    const entries = droppedEntries(event.dataTransfer);
    if (entries && !busy) void importDroppedFolder(entries);
  };
  return (
    <section
      className={`models-import${dragging ? ' is-dragging' : ''}`}
      aria-labelledby="models-import-title"
      data-testid="model-import"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <h3 id="models-import-title" className="models-import-title">
        {replacing ? `Re-import ${replacing.name}` : 'Import a model folder'}
      </h3>
      <p className="muted">
        Drop a Stable Diffusion ONNX folder (Optimum layout: <code>unet/</code>, <code>text_encoder/</code>, <code>vae_decoder/</code>, <code>tokenizer/</code>,{' '}
        <code>scheduler/</code>) here or choose it. It is checked, then copied into this browser's storage. An A1111
        checkpoint (<code>.safetensors</code> or <code>.ckpt</code>, SD 1.x/2.x) is converted: choose it together with its{' '}
        <code>.yaml</code> and <code>.vae.pt</code> if it has them.
      </p>
      <div className="models-import-actions">
        <button type="button" className="button button-primary" disabled={busy || !storage.available} onClick={choose}>
          Choose folder…
        </button>
        <input
          ref={inputRef}
          className="visually-hidden"
          type="file"
          tabIndex={-1}
          aria-label="Model folder"
          data-testid="model-folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(event) => {
            const files = event.currentTarget.files;
            void importFromInput(files).finally(() => {
              if (inputRef.current) inputRef.current.value = ''; // so the same folder can be picked again
            });
          }}
        />
        <button type="button" className="button" disabled={busy || !storage.available} onClick={() => checkpointRef.current?.click()}>
          Choose checkpoint…
        </button>
        <input
          ref={checkpointRef}
          className="visually-hidden"
          type="file"
          multiple
          accept=".safetensors,.ckpt,.yaml,.pt"
          tabIndex={-1}
          aria-label="Checkpoint files"
          data-testid="checkpoint-input"
          onChange={(event) => {
            const files = [...(event.currentTarget.files ?? [])];
            if (checkpointRef.current) checkpointRef.current.value = '';
            if (files.length) void importCheckpointFiles(files);
          }}
        />
      </div>
      <ImportFp16Option choice={storage.fp16} disabled={busy || !storage.available} />
      <ImportStatus state={storage.import} />
    </section>
  );
}

function ImportStatus({ state }: { state: ImportState }) {
  switch (state.status) {
    case 'idle':
      return null;
    case 'validating':
      return (
        <p role="status" data-testid="import-status" data-status="validating">
          <span className="spinner" aria-hidden="true" /> Checking {state.name}…
        </p>
      );
    case 'copying': {
      const speed = `${formatBytes(Math.round(state.bytesPerSecond))}/s`;
      const eta = state.etaMs === null ? '' : ` · ${formatDuration(state.etaMs)} left`;
      return (
        <div data-testid="import-status" data-status="copying">
          <p role="status" aria-live="polite">
            Copying {state.name}: <span className="mono">{state.file}</span> · {formatBytes(state.bytesDone)} of {formatBytes(state.bytesTotal)} · {speed}
            {eta}
          </p>
          <ProgressBar value={state.bytesDone / Math.max(1, state.bytesTotal)} label="Import progress" testId="import-progress" />
          <button type="button" className="button button-ghost" onClick={cancelImport}>
            Cancel import
          </button>
        </div>
      );
    }
    case 'error':
      return (
        <div className="panel-error" role="alert" data-testid="import-error" data-code={state.error.code}>
          <p className="panel-error-head">
            <span className="badge badge-danger">{state.error.code}</span> {state.name ? `${state.name} was not imported` : 'Storage error'}
          </p>
          <p className="panel-error-message" data-testid="import-error-message">
            {state.error.message}
          </p>
          {state.error.details.needs === 'prediction' && (
            // A1111 would probe the U-Net; here the user says (the model card or its .yaml tells)
            <div className="models-import-actions">
              <button type="button" className="button" onClick={() => void retryCheckpointImport('v_prediction')}>
                v-prediction (768-v)
              </button>
              <button type="button" className="button" onClick={() => void retryCheckpointImport('epsilon')}>
                epsilon (512-base)
              </button>
            </div>
          )}
          <button type="button" className="button button-ghost" onClick={dismissImport}>
            Dismiss
          </button>
        </div>
      );
    case 'done': {
      const rate = state.ms > 0 ? ` (${formatBytes(Math.round((state.bytes / state.ms) * 1000))}/s)` : '';
      return (
        <p role="status" data-testid="import-status" data-status="done" data-ms={Math.round(state.ms)} data-bytes={state.bytes}>
          Installed {state.name}: {formatBytes(state.bytes)} in {formatDuration(state.ms)}
          {rate}
          {state.converted ? ', weights converted to fp16' : ''}. It is loading now.
        </p>
      );
    }
  }
}
