import { useId, type KeyboardEvent } from 'react';
import { cancelGeneration, generate, MAX_SEED, reuseLastSeed, setParams, setRandomSeed } from '../state/actions/generation.ts';
import { setMode } from '../state/actions/img2img.ts';
import { setPrompt } from '../state/actions/prompt.ts';
import { SAMPLER_LABELS, SCHEDULE_TYPE_LABELS, type GenerationMode } from '../state/generation-types.ts';
import { useStudio } from '../state/store.ts';
import { NumberField, SelectField } from './FormFields.tsx';
import { PromptTagNotes } from './PromptTagNotes.tsx';
import { SamplerSettings, SeedExtras } from './SeedExtras.tsx';
import { TokenCounter } from './TokenCounter.tsx';
import { HiresFix } from './HiresFix.tsx';
import { Img2imgInput } from './Img2imgInput.tsx';
import { formatSeeds } from './format.ts';
import './GenerationForm.css';

const MODES: { mode: GenerationMode; label: string }[] = [
  { mode: 'txt2img', label: 'txt2img' },
  { mode: 'img2img', label: 'img2img' },
];

/** A1111's tabs: arrow keys move between them, as a tab list does. */
function ModeTabs({ mode, panelId }: { mode: GenerationMode; panelId: string }) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next = mode === 'txt2img' ? 'img2img' : 'txt2img';
    setMode(next);
    event.currentTarget.querySelector<HTMLButtonElement>(`[data-mode="${next}"]`)?.focus();
  };
  return (
    <div className="mode-tabs" role="tablist" aria-label="Generation mode" data-testid="mode-tabs" onKeyDown={onKeyDown}>
      {MODES.map((m) => (
        <button
          key={m.mode}
          type="button"
          role="tab"
          className="mode-tab"
          data-mode={m.mode}
          aria-selected={mode === m.mode}
          aria-controls={panelId}
          tabIndex={mode === m.mode ? 0 : -1}
          onClick={() => setMode(m.mode)}
        >
          {m.label}
        </button>
      ))}
    </div>
  );
}

/** Ctrl+Enter (Cmd+Enter on macOS) anywhere in the form generates, as in A1111. */
function onFormKeyDown(event: KeyboardEvent<HTMLFormElement>): void {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void generate();
  }
}

/** The prompt and A1111's txt2img settings; Generate / Cancel. */
export function GenerationForm() {
  const params = useStudio((s) => s.generation.params);
  const status = useStudio((s) => s.generation.status);
  const lastSeed = useStudio((s) => s.generation.lastSeed);
  const lastSeeds = useStudio((s) => s.generation.lastSeeds);
  const info = useStudio((s) => s.model.info);
  const modelReady = useStudio((s) => s.model.status === 'ready');
  const id = useId();
  const running = status !== 'idle';
  const scale = info?.sizeStep ?? 8;

  return (
    <form
      className="gen-form"
      noValidate
      aria-label="Generation settings"
      onKeyDown={onFormKeyDown}
      onSubmit={(e) => {
        e.preventDefault();
        void generate();
      }}
    >
      <ModeTabs mode={params.mode} panelId={`${id}-mode-panel`} />
      {/* the tab's panel: everything below the tabs (img2img adds its input image, txt2img its hires fix) */}
      <div id={`${id}-mode-panel`} role="tabpanel" aria-label={`${params.mode} settings`} className="mode-panel" data-mode={params.mode}>
        <div className="field">
          <div className="field-label-row">
            <label className="field-label" htmlFor={`${id}-prompt`}>
              Prompt
            </label>
            <TokenCounter />
          </div>
          <textarea
            id={`${id}-prompt`}
            className="textarea"
            rows={3}
            value={params.prompt}
            placeholder="a small red circle on the left, white background"
            data-testid="prompt"
            onChange={(e) => setPrompt(e.currentTarget.value)}
          />
          <PromptTagNotes />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-negative`}>
            Negative prompt
          </label>
          <textarea
            id={`${id}-negative`}
            className="textarea"
            rows={2}
            value={params.negativePrompt}
            data-testid="negative-prompt"
            onChange={(e) => setParams({ negativePrompt: e.currentTarget.value })}
          />
        </div>

        {params.mode === 'img2img' && <Img2imgInput />}

        <div className="param-grid">
          <SelectField id={`${id}-sampler`} label="Sampler" testId="sampler" value={params.sampler} options={SAMPLER_LABELS} onChange={(sampler) => setParams({ sampler })} />
          <SelectField id={`${id}-schedule`} label="Schedule type" testId="schedule-type" value={params.scheduleType} options={SCHEDULE_TYPE_LABELS} onChange={(scheduleType) => setParams({ scheduleType })} />
          <NumberField id={`${id}-steps`} label="Steps" testId="steps" value={params.steps} min={1} max={150} step={1} onChange={(steps) => setParams({ steps })} />
          <NumberField id={`${id}-cfg`} label="CFG scale" testId="cfg" value={params.cfgScale} min={1} max={30} step={0.5} onChange={(cfgScale) => setParams({ cfgScale })} />
          <NumberField
            id={`${id}-width`}
            label="Width"
            testId="width"
            value={params.width}
            min={scale * 2}
            max={2048}
            step={scale}
            placeholder="model's"
            onChange={(width) => setParams({ width })}
          />
          <NumberField
            id={`${id}-height`}
            label="Height"
            testId="height"
            value={params.height}
            min={scale * 2}
            max={2048}
            step={scale}
            placeholder="model's"
            onChange={(height) => setParams({ height })}
          />
          <NumberField id={`${id}-batch`} label="Batch count" testId="batch-count" value={params.batchCount} min={1} max={100} step={1} onChange={(batchCount) => setParams({ batchCount })} />
          <NumberField id={`${id}-batch-size`} label="Batch size" testId="batch-size" value={params.batchSize} min={1} max={8} step={1} onChange={(batchSize) => setParams({ batchSize })} />
          <NumberField id={`${id}-clip-skip`} label="Clip skip" testId="clip-skip" value={params.clipSkip} min={1} max={info?.clipSkipMax ?? 12} step={1} onChange={(clipSkip) => setParams({ clipSkip })} />

          <div className="field field-seed">
            <label className="field-label" htmlFor={`${id}-seed`}>
              Seed
            </label>
            <div className="seed-row">
              <input
                id={`${id}-seed`}
                className="input mono"
                type="number"
                inputMode="numeric"
                min={0}
                max={MAX_SEED}
                step={1}
                data-testid="seed"
                disabled={params.randomSeed}
                placeholder={params.randomSeed ? 'random' : ''}
                value={params.randomSeed || Number.isNaN(params.seed) ? '' : params.seed}
                onChange={(e) => setParams({ seed: e.currentTarget.valueAsNumber })}
              />
              <button
                type="button"
                className={`toggle-button${params.randomSeed ? ' is-on' : ''}`}
                aria-pressed={params.randomSeed}
                aria-label="Random seed"
                title="🎲 Random seed for every run (A1111's -1)"
                data-testid="random-seed"
                onClick={() => setRandomSeed(!params.randomSeed)}
              >
                {/* a drawn die rather than the 🎲 emoji: not every system has an emoji font */}
                <svg viewBox="0 0 24 24" aria-hidden="true" className="die-icon">
                  <rect x="3.5" y="3.5" width="17" height="17" rx="4" />
                  <circle cx="8.5" cy="8.5" r="1.4" />
                  <circle cx="15.5" cy="8.5" r="1.4" />
                  <circle cx="12" cy="12" r="1.4" />
                  <circle cx="8.5" cy="15.5" r="1.4" />
                  <circle cx="15.5" cy="15.5" r="1.4" />
                </svg>
              </button>
            </div>
            {lastSeed !== null && (
              <p className="seed-last">
                <span className="muted">{lastSeeds.length > 1 ? 'Last seeds' : 'Last seed'}</span>{' '}
                {lastSeeds.length > 1 ? (
                  <span className="mono" data-testid="last-seeds" title={lastSeeds.join(', ')}>
                    {formatSeeds(lastSeeds)}
                  </span>
                ) : (
                  <span className="mono" data-testid="last-seed">
                    {lastSeed}
                  </span>
                )}
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Reuse seed ${lastSeed}`}
                  title="Put this seed in the field"
                  data-testid="reuse-seed"
                  onClick={() => reuseLastSeed()}
                >
                  <span aria-hidden="true">♻</span> reuse
                </button>
              </p>
            )}
          </div>
        </div>

        {params.mode === 'txt2img' && <HiresFix />}
        <SeedExtras />
        <SamplerSettings />

        <div className="gen-actions">
          <button type="submit" className="button button-primary button-generate" disabled={running || !modelReady} data-testid="generate">
            {running ? 'Generating…' : 'Generate'}
          </button>
          <button type="button" className="button button-secondary" disabled={status !== 'running'} data-testid="cancel" onClick={() => void cancelGeneration()}>
            {status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
          </button>
          <p className="shortcut-hint muted" aria-hidden="true">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> generate · <kbd>Esc</kbd> cancel
          </p>
        </div>
      </div>
    </form>
  );
}
