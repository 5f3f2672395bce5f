import { loadModel, reloadModel, setBackendChoice } from '../state/actions/models.ts';
import { openModelsDialog } from '../state/actions/storage.ts';
import { BACKEND_CHOICES, DEMO_MODEL, type BackendChoice, type LoadStep, type ModelState } from '../state/model-types.ts';
import { useStudio } from '../state/store.ts';
import { LoadFailureFix } from './FailureFix.tsx';
import { formatDuration } from './format.ts';
import { LoadReportDetails } from './LoadReportDetails.tsx';
import './ModelBar.css';

const FILE_LABELS: Record<string, string> = {
  'tokenizer/vocab.json': 'tokenizer',
  'scheduler/scheduler_config.json': 'noise schedule',
  'text_encoder/model.onnx': 'text encoder',
  'unet/model.onnx': 'U-Net',
  'vae_decoder/model.onnx': 'VAE decoder',
};

/** What the load is doing now; the warm-up run compiles shaders on WebGPU (on WASM it only warms up). */
export function loadStepLabel(step: LoadStep | null, backend: BackendChoice = 'auto'): string {
  if (!step || step.phase === 'start') return 'Starting the engine…';
  if (step.phase === 'load') {
    if (!step.file) return `Creating sessions (${step.files}/${step.files} files read)…`;
    return `Loading files ${step.index + 1}/${step.files} · ${FILE_LABELS[step.file] ?? step.file}`;
  }
  return `${backend === 'wasm' ? 'Warming up' : 'Compiling shaders'} ${step.index + 1}/${step.models} · ${step.model}`;
}

/** Which model the engine holds, on which backend and why; its load progress; the backend selector. */
export function ModelBar() {
  const model = useStudio((s) => s.model);
  const busy = useStudio((s) => s.generation.status !== 'idle');
  return (
    <div className="model-bar" data-testid="model-bar" data-status={model.status}>
      <div className="model-bar-row">
        <div className="model-id">
          <span className="field-label">Model</span>
          <span className="model-name mono" data-testid="model-name">
            {model.spec?.name ?? '—'}
          </span>
        </div>
        <button type="button" className="button button-ghost models-button" aria-haspopup="dialog" data-testid="open-models" onClick={() => openModelsDialog()}>
          Models…
        </button>
        <label className="backend-select">
          <span className="field-label">Backend</span>
          <select
            className="select"
            aria-label="Backend"
            data-testid="backend-select"
            value={model.backendChoice}
            disabled={busy}
            onChange={(e) => void setBackendChoice(e.currentTarget.value as BackendChoice)}
          >
            {BACKEND_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ModelStatusLine model={model} />
    </div>
  );
}

function ModelStatusLine({ model }: { model: ModelState }) {
  switch (model.status) {
    case 'idle':
      return (
        <p className="backend-status" data-testid="model-idle">
          <span className="muted">No model loaded.</span>
          <button type="button" className="link-button" onClick={() => void loadModel(DEMO_MODEL)}>
            Load the demo model
          </button>
        </p>
      );
    case 'loading':
      return (
        <div className="model-loading" data-testid="model-loading">
          <p className="model-step" role="status" aria-live="polite" data-testid="model-load-step" data-phase={model.step?.phase ?? 'start'}>
            <span className="spinner" aria-hidden="true" /> {loadStepLabel(model.step, model.backendChoice)}
          </p>
          <ProgressBar value={model.fraction} label="Model load progress" />
        </div>
      );
    case 'ready': {
      const info = model.info!;
      const gpu = info.backend === 'webgpu';
      return (
        <>
          <p className="backend-status" data-testid="backend-status" data-backend={info.backend} role="status">
            <span className={`backend-badge ${gpu ? 'is-gpu' : 'is-cpu'}`} data-testid="backend-name">
              {gpu ? 'WebGPU' : 'WASM'}
            </span>
            {gpu ? (
              <span className="backend-detail" data-testid="backend-adapter">
                {info.adapter ?? 'WebGPU adapter'}
              </span>
            ) : (
              <span className="backend-detail" data-testid="backend-reason">
                {info.fallbackReason ?? 'CPU (WebAssembly)'}
              </span>
            )}
            <span className="backend-meta muted">
              {info.defaultSize}×{info.defaultSize} · loaded in {formatDuration(info.loadMs)}
            </span>
          </p>
          <LoadReportDetails info={info} choice={model.backendChoice} />
        </>
      );
    }
    case 'error':
    case 'lost': {
      const error = model.error;
      const isDemo = model.spec?.kind === 'url' && model.spec.baseUrl === DEMO_MODEL.baseUrl;
      return (
        <div className="panel-error" role="alert" data-testid="model-error" data-code={error?.code}>
          <p className="panel-error-head">
            <span className="badge badge-danger">{error?.code ?? 'error'}</span>
            {model.status === 'lost' ? 'The model was lost' : 'The model could not be loaded'}
          </p>
          <p className="panel-error-message" data-testid="model-error-message">
            {error?.message}
          </p>
          {error && <LoadFailureFix error={error} />}
          <div className="panel-error-actions">
            {error?.code === 'corrupt-cache' && (
              <button type="button" className="button button-primary" data-testid="reimport-model" onClick={() => openModelsDialog(typeof error.details.modelId === 'string' ? error.details.modelId : null)}>
                Re-import…
              </button>
            )}
            <button type="button" className="button button-ghost" onClick={() => void reloadModel()}>
              {model.status === 'lost' ? 'Reload model' : 'Retry'}
            </button>
            {!isDemo && (
              <button type="button" className="button button-ghost" onClick={() => void loadModel(DEMO_MODEL)}>
                Load the demo model
              </button>
            )}
          </div>
        </div>
      );
    }
  }
}

export function ProgressBar({ value, label, testId }: { value: number; label: string; testId?: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid={testId}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
