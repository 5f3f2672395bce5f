import { useRef } from 'react';
import { dismissPngInfo, importPngInfo, sendPngInfo } from '../state/actions/png-info.ts';
import type { PngInfoPreview } from '../state/session-types.ts';
import { useStudio } from '../state/store.ts';
import './PngInfoPanel.css';

/** A read PNG before anything is applied: its text, what sending it sets, and A1111's two send buttons. */
function PreviewCard({ preview }: { preview: PngInfoPreview }) {
  const missing = preview.hypernets.filter((h) => !h.present);
  return (
    <div className="png-info-report" role="region" aria-label={`PNG Info of ${preview.fileName}`} data-testid="png-info-preview">
      <p>
        <strong className="mono">{preview.fileName}</strong>: sending sets {preview.willSet.join(', ')}.
      </p>
      <pre className="png-info-text mono" data-testid="png-info-text" tabIndex={0} aria-label="Its parameters text">
        {preview.parameters}
      </pre>
      {preview.hypernets.length > 0 && (
        <p data-testid="png-info-preview-stack">
          Stack: {preview.hypernets.map((h) => `${h.name} ${h.strength}${h.present ? '' : ' (not loaded)'}`).join(', ')}.
        </p>
      )}
      {missing.length > 0 && (
        <p>
          <span className="badge badge-warn">missing</span> Drop {missing.map((m) => `${m.name}.pt`).join(', ')} on the page to apply {missing.length === 1 ? 'it' : 'them'}.
        </p>
      )}
      {preview.unapplied.length > 0 && (
        <p data-testid="png-info-preview-unapplied">
          <span className="badge badge-warn">not applied</span> This app cannot apply: {preview.unapplied.map((u) => `${u.key}: ${u.value}`).join(', ')}.
        </p>
      )}
      {preview.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      <div className="png-info-row">
        <button type="button" className="button" onClick={() => void sendPngInfo('txt2img')}>
          Send to txt2img
        </button>
        <button type="button" className="button button-ghost" onClick={() => void sendPngInfo('img2img')} title="The parameters, with this PNG as the input image">
          Send to img2img
        </button>
        <button type="button" className="link-button" onClick={dismissPngInfo}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/** PNG Info: pick (or drop anywhere) a PNG, see its A1111 parameters, send them to txt2img or img2img; what was restored. */
export function PngInfoPanel() {
  const report = useStudio((s) => s.session.pngInfo);
  const preview = useStudio((s) => s.session.pngInfoPreview);
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="png-info" aria-label="PNG Info" data-testid="png-info">
      <div className="png-info-row">
        <button type="button" className="button button-ghost" onClick={() => input.current?.click()}>
          PNG Info…
        </button>
        <span className="muted">Drop a PNG made by A1111 or this app to see and restore its settings.</span>
        <input
          ref={input}
          className="visually-hidden"
          type="file"
          accept="image/png,.png"
          tabIndex={-1}
          aria-label="PNG to read parameters from"
          data-testid="png-info-input"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void importPngInfo(file);
          }}
        />
      </div>
      {preview && <PreviewCard preview={preview} />}
      {report && (
        <div className={`png-info-report${report.ok ? '' : ' is-error'}`} role="status" data-testid="png-info-report" data-ok={report.ok} data-missing={report.missing.join(',')}>
          <p>
            <strong className="mono">{report.fileName}</strong>:{' '}
            {report.ok ? `restored ${report.restored.join(', ')}.` : 'nothing restored.'}
          </p>
          {report.applied.length > 0 && (
            <p data-testid="png-info-applied">
              Stack set: {report.applied.map((a) => `${a.name} ${a.strength}`).join(', ')}.
            </p>
          )}
          {report.missing.length > 0 && (
            <p data-testid="png-info-missing">
              <span className="badge badge-warn">missing</span> Not loaded: {report.missing.map((m) => `${m}.pt`).join(', ')} — drop{' '}
              {report.missing.length === 1 ? 'that file' : 'those files'} on the page to apply {report.missing.length === 1 ? 'it' : 'them'} (the prompt keeps the tags).
            </p>
          )}
          {report.unapplied && report.unapplied.length > 0 && (
            <p data-testid="png-info-unapplied">
              <span className="badge badge-warn">not applied</span> This app cannot apply: {report.unapplied.map((u) => `${u.key}: ${u.value}`).join(', ')}.
            </p>
          )}
          {report.notes.map((n) => (
            <p key={n} className="muted">
              {n}
            </p>
          ))}
          <button type="button" className="link-button" onClick={dismissPngInfo}>
            Dismiss
          </button>
        </div>
      )}
    </section>
  );
}
