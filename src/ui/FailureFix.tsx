import { setParams } from '../state/actions/generation.ts';
import { reloadModel, setBackendChoice } from '../state/actions/models.ts';
import type { UiError } from '../state/errors.ts';
import { generationAdvice, type FixAction } from '../state/failure-advice.ts';
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
  }
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
  if (!advice) return null;
  return (
    <div className="failure-fix" data-testid="failure-advice" data-fix={advice.fix?.kind ?? ''}>
      <p>{advice.action}</p>
      {advice.fix && (
        <button type="button" className="button button-secondary" onClick={() => apply(advice.fix!)}>
          {advice.fixLabel}
        </button>
      )}
    </div>
  );
}
