import { applyUpdate, dismissUpdate, usePwa } from '../pwa/pwa-store.ts';
import './PwaStatus.css';

/** "Offline ready" once the service worker holds everything; "Update available — Reload" when a new version waits. */
export function PwaStatus() {
  const { offlineReady, updateAvailable, reloadPending } = usePwa();
  return (
    // always rendered, so that screen readers announce what appears in it
    <div className="pwa-status" role="status" aria-live="polite" data-testid="pwa-status">
      {offlineReady && (
        <p
          className="pill status-pill"
          data-testid="offline-ready"
          title="The app, onnxruntime, the demo model and the demo hypernetworks are stored on this device: it works without a network."
        >
          <span aria-hidden="true">✓</span> Offline ready
        </p>
      )}
      {updateAvailable && (
        <div className="update-prompt" data-testid="update-prompt">
          <span>Update available</span>
          <button type="button" className="button button-primary" onClick={applyUpdate} disabled={reloadPending}>
            {reloadPending ? 'Reloading after this generation…' : 'Reload'}
          </button>
          {!reloadPending && (
            <button type="button" className="button button-ghost" onClick={dismissUpdate} title="Hide this notice; the update applies on the next visit">
              Later
            </button>
          )}
        </div>
      )}
    </div>
  );
}
