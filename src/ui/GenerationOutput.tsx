import { dismissGenerationError, reuseLastSeed } from '../state/actions/generation.ts';
import { sendToImg2img } from '../state/actions/img2img.ts';
import { reloadModel } from '../state/actions/models.ts';
import type { GenerationProgress, ResultImage, RunSummary } from '../state/generation-types.ts';
import { useStudio } from '../state/store.ts';
import { downloadResult } from './download.ts';
import { formatDuration } from './format.ts';
import { ProgressBar } from './ModelBar.tsx';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import { FailureFix } from './FailureFix.tsx';
import { formatSeeds } from './format.ts';
import { SweepStrip } from './SweepStrip.tsx';
import './GenerationOutput.css';

/** "Hires pass (2 of 2) · " for the hires fix's second pass, "Pass 1 of 2 · " before it. */
function passLabel(p: GenerationProgress): string {
  if (!p.pass) return '';
  const { index, count } = p.pass;
  return index > 1 ? `Hires pass (${index} of ${count}) · ` : `Pass ${index} of ${count} · `;
}

export function progressLabel(p: GenerationProgress): string {
  const of = p.images > 1 ? `Image ${p.image + 1}/${p.images} · ` : '';
  switch (p.phase) {
    case 'encode':
      return 'Encoding the prompt…';
    case 'denoise':
      return `${of}${passLabel(p)}Step ${p.step}/${p.steps}`;
    case 'decode':
      return `${of}Decoding…`;
  }
}

/** Progress with a live preview while a run is in flight; then the images with their parameters. */
export function GenerationOutput() {
  const status = useStudio((s) => s.generation.status);
  const progress = useStudio((s) => s.generation.progress);
  const preview = useStudio((s) => s.generation.preview);
  const results = useStudio((s) => s.generation.results);
  const summary = useStudio((s) => s.generation.summary);
  const error = useStudio((s) => s.generation.error);
  const modelLost = useStudio((s) => s.model.status === 'lost');
  // live mode keeps the last images on screen until the new ones are ready
  const liveRun = useStudio((s) => s.session.liveRun);
  const running = status !== 'idle';

  return (
    <section className="gen-output" aria-label="Output" data-testid="gen-output" data-status={status} data-live-run={liveRun} aria-busy={running}>
      {running && progress && (
        <div
          className="run-progress"
          data-testid="run-progress"
          data-phase={progress.phase}
          data-step={progress.step}
          data-steps={progress.steps}
          data-pass={progress.pass ? `${progress.pass.index}/${progress.pass.count}` : undefined}
        >
          <div className="run-progress-line">
            <p role="status" aria-live="polite" data-testid="progress-label">
              {status === 'cancelling' ? 'Cancelling…' : progressLabel(progress)}
            </p>
            <p className="muted mono" data-testid="progress-eta">
              {progress.phase === 'denoise' && progress.etaMs !== null ? `ETA ${formatDuration(progress.etaMs)}` : ''}
            </p>
          </div>
          <ProgressBar value={progress.fraction} label="Generation progress" testId="progress-bar" />
        </div>
      )}

      {error && (
        <div className={`panel-error${error.code === 'cancelled' ? ' is-notice' : ''}`} role="alert" data-testid="generation-error" data-code={error.code}>
          <p className="panel-error-head">
            <span className="badge badge-danger">{error.code}</span>
            {error.code === 'cancelled' ? 'Stopped' : 'Generation failed'}
          </p>
          <p className="panel-error-message" data-testid="generation-error-message">
            {error.message}
          </p>
          <FailureFix error={error} />
          <div className="panel-error-actions">
            {modelLost && (
              <button type="button" className="button button-ghost" onClick={() => void reloadModel()}>
                Reload model
              </button>
            )}
            <button type="button" className="button button-ghost" onClick={dismissGenerationError}>
              Dismiss
            </button>
          </div>
        </div>
      )}

      {running && liveRun && results.length > 0 ? (
        <div className="is-updating" data-testid="live-keeping">
          <Results results={results} summary={summary} />
        </div>
      ) : running && preview ? (
        <figure className="stage">
          <RgbaCanvas image={preview} label={`Preview at step ${progress?.step ?? 0}`} className="stage-image is-preview" testId="preview" />
          <figcaption className="stage-caption muted">Preview · {preview.width}×{preview.height}</figcaption>
        </figure>
      ) : running ? (
        <div className="stage stage-empty" aria-hidden="true">
          <span className="spinner" />
        </div>
      ) : results.length > 0 ? (
        <Results results={results} summary={summary} />
      ) : (
        <div className="stage stage-empty">
          <p className="muted">Your images appear here.</p>
        </div>
      )}
    </section>
  );
}

function Results({ results, summary }: { results: ResultImage[]; summary: RunSummary | null }) {
  if (summary?.sweep) return <SweepStrip results={results} summary={summary} sweep={summary.sweep} />;
  return (
    <div className="results" data-testid="results">
      {summary && (
        <p className="results-summary muted" data-testid="run-summary">
          {summary.images} {summary.images === 1 ? 'image' : 'images'} in {formatDuration(summary.totalMs)} on {summary.backend === 'webgpu' ? 'WebGPU' : 'WASM'} · denoise{' '}
          {formatDuration(summary.denoiseMs)} ({summary.unetCalls} U-Net calls) · decode {formatDuration(summary.decodeMs)}
          {results.length > 1 && (
            <>
              {' '}
              · seeds <span className="mono" data-testid="run-seeds">{formatSeeds(results.map((r) => r.seed))}</span>
            </>
          )}
        </p>
      )}
      <ol className={`result-grid${results.length > 1 ? ' is-batch' : ''}`}>
        {results.map((r) => (
          <li key={r.id} className="result" data-testid="result" data-seed={r.seed} data-file-name={r.fileName}>
            <figure className="stage">
              <RgbaCanvas image={{ width: r.width, height: r.height, data: r.rgba }} label={`Generated image, seed ${r.seed}`} className="stage-image" testId="result-image" />
            </figure>
            <div className="result-bar">
              <span className="mono muted">
                {r.fileName} · {r.width}×{r.height} · seed <span data-testid="result-seed">{r.seed}</span>
              </span>
              <div className="result-actions">
                <button
                  type="button"
                  className="button button-ghost"
                  aria-label={`Reuse seed ${r.seed}`}
                  title="Put this image's seed in the field"
                  data-testid="result-reuse-seed"
                  onClick={() => reuseLastSeed(r.seed)}
                >
                  <span aria-hidden="true">♻</span>
                </button>
                <button type="button" className="button button-ghost" aria-label={`Send ${r.fileName} to img2img`} title="Use this image as img2img's input" data-testid="send-to-img2img" onClick={() => sendToImg2img(r)}>
                  Send to img2img
                </button>
                <button type="button" className="button button-ghost" aria-label={`Download ${r.fileName}`} data-testid="download" onClick={() => downloadResult(r)}>
                  Download PNG
                </button>
              </div>
            </div>
            <details className="infotext" open={results.length === 1}>
              <summary>Parameters</summary>
              <pre className="infotext-text" data-testid="result-infotext">
                {r.infotext}
              </pre>
            </details>
          </li>
        ))}
      </ol>
    </div>
  );
}
