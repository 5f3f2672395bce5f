import { useState } from 'react';
import { deleteInstalledModel, loadInstalledModel, verifyInstalledModel } from '../state/actions/storage.ts';
import type { InstalledModel, StorageState } from '../state/storage-types.ts';
import { formatBytes, formatDuration } from './format.ts';

/** One installed model in the Models dialog: its size, Load, Verify (with progress and outcome), Delete. */
export function InstalledItem({ model, storage, loaded, disabled }: { model: InstalledModel; storage: StorageState; loaded: boolean; disabled: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const verify = storage.verify?.id === model.id ? storage.verify : null;
  const deleting = storage.deleting?.id === model.id ? storage.deleting : null;
  const date = new Date(model.importedAt).toLocaleDateString();
  return (
    <li className="models-item" data-testid="installed-model" data-model-id={model.id} data-model-name={model.name}>
      <div className="models-item-main">
        <span className="mono">{model.name}</span>
        <span className="muted" data-testid="installed-model-size">
          {' '}
          · {formatBytes(model.totalBytes)} · {model.fileCount} files · imported {date}
        </span>
        {verify?.status === 'running' && (
          <span className="muted" role="status" data-testid="verify-status" data-status="running">
            {' '}
            · verifying {Math.round((verify.bytesDone / Math.max(1, verify.bytesTotal)) * 100)}%
          </span>
        )}
        {verify?.status === 'ok' && (
          <span className="verify-ok" role="status" data-testid="verify-status" data-status="ok">
            {' '}
            · intact (all SHA-256 match, {formatDuration(verify.ms)})
          </span>
        )}
        {deleting && !deleting.error && (
          <span className="muted" role="status" data-testid="delete-status">
            {' '}
            · deleting…
          </span>
        )}
        {deleting?.error && (
          <p className="verify-bad" role="alert" data-testid="delete-status">
            Could not delete it ({deleting.error.message}); it is still installed.
          </p>
        )}
        {verify?.status === 'damaged' && (
          <p className="verify-bad" role="alert" data-testid="verify-status" data-status="damaged">
            {verify.error.message}
          </p>
        )}
      </div>
      <div className="models-item-actions">
        <button type="button" className="button button-ghost" aria-label={`Load ${model.name}`} disabled={loaded || disabled} onClick={() => void loadInstalledModel(model.id)}>
          {loaded ? 'Loaded' : 'Load'}
        </button>
        <button type="button" className="button button-ghost" aria-label={`Verify ${model.name}`} disabled={verify?.status === 'running'} onClick={() => void verifyInstalledModel(model.id)}>
          Verify
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="button button-danger"
              aria-label={`Delete ${model.name} for good`}
              disabled={deleting !== null && !deleting.error}
              onClick={() => void deleteInstalledModel(model.id)}
            >
              Delete for good
            </button>
            <button type="button" className="button button-ghost" aria-label={`Keep ${model.name}`} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="button button-ghost" aria-label={`Delete ${model.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}
