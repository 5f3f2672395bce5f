import { setParams } from '../state/actions/generation.ts';
import { loadAtSize, reloadModel, setBackendChoice } from '../state/actions/models.ts';
import type { UiError } from '../state/errors.ts';
import { generationAdvice, loadAdvice, type Advice, type FixAction } from '../state/failure-advice.ts';
import { useStudio } from '../state/store.ts';
import './FailureFix.css';

function apply(fix: FixAction): void {
  switch (fix.kind) {
    case 'smaller-size':
      setParams({ width: fix.width, height: fix.height });
      return;
    case 'single-image':
      setParams({ batchCount: 1 });
      return;
    case 'reload-model':
      void reloadModel();
      return;
    case 'use-wasm':
      void setBackendChoice('wasm');
      return;
    case 'use-webgpu':
      void setBackendChoice('webgpu');
      return;
    case 'load-smaller':
      void loadAtSize(fix.width, fix.height);
  }
}

function AdviceBox({ advice, testId }: { advice: Advice; testId: string }) {
  return (
    <div className="failure-fix" data-testid={testId} data-fix={advice.fix?.kind ?? ''}>
      <p>{advice.action}</p>
      {advice.fix && (
        <button type="button" className="button button-secondary" onClick={() => apply(advice.fix!)}>
          {advice.fixLabel}
        </button>
      )}
    </div>
  );
}

/** Under a refused load: the specific fix for the limit the memory plan hit. */
export function LoadFailureFix({ error }: { error: UiError }) {
  const backendChoice = useStudio((s) => s.model.backendChoice);
  const fp16 = useStudio((s) => s.storage.fp16);
  const advice = loadAdvice(error, { backendChoice, shaderF16: fp16.probed ? fp16.recommended : null });
  return advice ? <AdviceBox advice={advice} testId="load-advice" /> : null;
}

/** Under a generation error: what to do about it, and a button that does it. */
export function FailureFix({ error }: { error: UiError }) {
  const params = useStudio((s) => s.generation.params);
  const info = useStudio((s) => s.model.info);
  const fallback = info?.defaultSize ?? 512;
  const advice = generationAdvice(error, {
    width: params.width ?? fallback,
    height: params.height ?? fallback,
    batchCount: params.batchCount,
    sizeStep: info?.sizeStep ?? 8,
    backend: info?.backend ?? null,
  });
  return advice ? <AdviceBox advice={advice} testId="failure-advice" /> : null;
}
