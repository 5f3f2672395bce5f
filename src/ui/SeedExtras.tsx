/**
 * A1111's "Extra" seed options under the seed (variation seed and strength, "Resize seed from" width and
 * height) and its sampler setting "Eta noise seed delta", each in a collapsible that opens by itself while
 * a value is set (so a PNG Info import that sets one shows it).
 */
import { useEffect, useId, useRef } from 'react';
import { MAX_SEED, setParams } from '../state/actions/generation.ts';
import { useStudio } from '../state/store.ts';
import { NumberField } from './FormFields.tsx';

/** Opens the collapsible when `active` turns true; the user's own open/close is left alone otherwise. */
export function useOpenWhen(active: boolean) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (active && ref.current) ref.current.open = true;
  }, [active]);
  return ref;
}

export function SeedExtras() {
  const params = useStudio((s) => s.generation.params);
  const lastVariationSeed = useStudio((s) => s.generation.lastVariationSeed);
  const id = useId();
  const ref = useOpenWhen(params.variationStrength !== 0 || params.seedResizeWidth !== 0 || params.seedResizeHeight !== 0);
  return (
    <details className="gen-extra" ref={ref} data-testid="seed-extra">
      <summary>Extra</summary>
      <div className="param-grid">
        <NumberField
          id={`${id}-subseed`}
          label="Variation seed"
          testId="variation-seed"
          value={params.variationSeed}
          min={-1}
          max={MAX_SEED}
          step={1}
          onChange={(variationSeed) => setParams({ variationSeed })}
        />
        <NumberField
          id={`${id}-subseed-strength`}
          label="Variation strength"
          testId="variation-strength"
          value={params.variationStrength}
          min={0}
          max={1}
          step={0.01}
          onChange={(variationStrength) => setParams({ variationStrength })}
        />
        <NumberField
          id={`${id}-resize-w`}
          label="Resize seed from W"
          testId="seed-resize-width"
          value={params.seedResizeWidth}
          min={0}
          max={2048}
          step={8}
          onChange={(seedResizeWidth) => setParams({ seedResizeWidth })}
        />
        <NumberField
          id={`${id}-resize-h`}
          label="Resize seed from H"
          testId="seed-resize-height"
          value={params.seedResizeHeight}
          min={0}
          max={2048}
          step={8}
          onChange={(seedResizeHeight) => setParams({ seedResizeHeight })}
        />
      </div>
      <p className="muted gen-extra-hint">
        Variation seed −1 draws a new one every run{lastVariationSeed !== null ? '; last: ' : '.'}
        {lastVariationSeed !== null && (
          <button type="button" className="link-button mono" title="Put this variation seed in the field" data-testid="reuse-variation-seed" onClick={() => setParams({ variationSeed: lastVariationSeed })}>
            {lastVariationSeed} ♻
          </button>
        )}
      </p>
    </details>
  );
}

export function SamplerSettings() {
  const ensd = useStudio((s) => s.generation.params.ensd);
  const id = useId();
  const ref = useOpenWhen(ensd !== 0);
  return (
    <details className="gen-extra" ref={ref} data-testid="sampler-settings">
      <summary>Sampler settings</summary>
      <div className="param-grid">
        <NumberField id={`${id}-ensd`} label="Eta noise seed delta (ENSD)" testId="ensd" value={ensd} min={0} max={MAX_SEED} step={1} onChange={(v) => setParams({ ensd: v })} />
      </div>
      <p className="muted gen-extra-hint">Ancestral and SDE samplers draw their noise from seed + ENSD, as A1111 does (NovelAI-era images often used 31337).</p>
    </details>
  );
}
