import { useRef } from 'react';
import { dismissPngInfo, importPngInfo } from '../state/actions/png-info.ts';
import { useStudio } from '../state/store.ts';
import './PngInfoPanel.css';

/** PNG Info: pick (or drop anywhere) a PNG to restore its A1111 parameters; what was restored and what is missing. */
export function PngInfoPanel() {
  const report = useStudio((s) => s.session.pngInfo);
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="png-info" aria-label="PNG Info" data-testid="png-info">
      <div className="png-info-row">
        <button type="button" className="button button-ghost" onClick={() => input.current?.click()}>
          PNG Info…
        </button>
        <span className="muted">Drop a PNG made by A1111 or this app to restore its settings.</span>
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
