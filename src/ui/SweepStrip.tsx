import type { ResultImage, RunSummary } from '../state/generation-types.ts';
import type { SweepInfo } from '../state/session-types.ts';
import { downloadBlob, downloadResult } from './download.ts';
import { formatDuration } from './format.ts';
import { gridFileName, sweepGridPng } from './grid.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import './SweepStrip.css';

/** A sweep's images in a row, the strength under each; how it ran; the whole strip as one PNG grid. */
export function SweepStrip({ results, summary, sweep }: { results: ResultImage[]; summary: RunSummary; sweep: SweepInfo }) {
  return (
    <div className="results sweep-results" data-testid="sweep-results" data-sweep-mode={sweep.mode} data-unet-calls={sweep.unetCalls} data-count={results.length}>
      <p className="results-summary muted" data-testid="sweep-summary">
        Sweep of <span className="mono">{sweep.hypernetwork}</span> · {results.length} images in {formatDuration(summary.totalMs)} ·{' '}
        <strong>{sweep.mode === 'batched' ? 'one batched run' : 'one image at a time'}</strong> ({sweep.unetCalls} U-Net calls; {sweep.reason})
      </p>
      <ol className="sweep-strip" aria-label={`${sweep.hypernetwork} at ${results.length} strengths`}>
        {results.map((r) => (
          <li key={r.id} className="sweep-cell" data-testid="sweep-cell" data-strength={r.strength}>
            <figure>
              <RgbaCanvas image={{ width: r.width, height: r.height, data: r.rgba }} label={`${sweep.hypernetwork} at strength ${r.strength}`} className="sweep-image" />
              <figcaption className="mono" data-testid="sweep-label">
                {r.strength}
              </figcaption>
            </figure>
            <button type="button" className="link-button" aria-label={`Download the image at strength ${r.strength}`} onClick={() => downloadResult(r)}>
              PNG
            </button>
          </li>
        ))}
      </ol>
      <div className="result-actions">
        <button type="button" className="button button-ghost" data-testid="sweep-download-grid" onClick={() => downloadBlob(sweepGridPng(results, sweep.hypernetwork), gridFileName(results))}>
          Download grid PNG
        </button>
      </div>
    </div>
  );
}
