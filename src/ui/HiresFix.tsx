/**
 * A1111's "Hires. fix" (txt2img only): a collapsible with its switch, the upscaler, Hires steps, Denoising
 * strength, Upscale by / Resize width to / Resize height to, the size it goes "from … to …" (A1111's own
 * arithmetic, `hiresTarget`), and the optional Hires sampler and schedule type.
 */
import { useId, useState } from 'react';
import { hiresTarget } from '../core/diffusion/img2img/hires.ts';
import { setParams } from '../state/actions/generation.ts';
import { HIRES_UPSCALERS, SAME_SAMPLER, SAME_SCHEDULER, SAMPLER_LABELS, SCHEDULE_TYPE_LABELS, type GenerationParams } from '../state/generation-types.ts';
import { useStudio } from '../state/store.ts';
import { NumberField, SelectField, SliderField } from './FormFields.tsx';
import { useOpenWhen } from './SeedExtras.tsx';

/** "from 64×64 to 128×128", or why the sizes give none. */
export function hiresSizeText(p: Pick<GenerationParams, 'hiresScale' | 'hiresResizeX' | 'hiresResizeY'>, width: number, height: number): string {
  try {
    const t = hiresTarget({ width, height, scale: p.hiresScale, resizeX: p.hiresResizeX, resizeY: p.hiresResizeY });
    // both resize sides set: upscaled to cover, then cropped to exactly the asked size
    const [w, h] = p.hiresResizeX > 0 && p.hiresResizeY > 0 ? [p.hiresResizeX, p.hiresResizeY] : [t.upscaleToX, t.upscaleToY];
    return `from ${width}×${height} to ${w}×${h}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function HiresFix() {
  const params = useStudio((s) => s.generation.params);
  const defaultSize = useStudio((s) => s.model.info?.defaultSize ?? 512);
  const step = useStudio((s) => s.model.info?.sizeStep ?? 8);
  const ref = useOpenWhen(params.hiresEnabled);
  // the fields exist only while the section is open: "Hires steps", "Resize width to", "Hires sampler" would
  // otherwise share words with the form's Steps, Width and Sampler for anyone finding a field by its label
  const [open, setOpen] = useState(false);
  const width = params.width ?? defaultSize;
  const height = params.height ?? defaultSize;
  const size = hiresSizeText(params, width, height);
  return (
    <details className="gen-extra hires" ref={ref} data-testid="hires-fix" data-enabled={params.hiresEnabled} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Hires. fix
        {params.hiresEnabled && (
          <span className="muted hires-summary" data-testid="hires-summary-size">
            {' '}
            · {size}
          </span>
        )}
      </summary>
      {open && <HiresFields params={params} step={step} size={size} />}
    </details>
  );
}

function HiresFields({ params, step, size }: { params: GenerationParams; step: number; size: string }) {
  const id = useId();
  return (
    <>
      <label className="hires-switch">
        <input type="checkbox" checked={params.hiresEnabled} data-testid="hires-enabled" onChange={(e) => setParams({ hiresEnabled: e.currentTarget.checked })} />
        Upscale with a second pass (hires fix)
      </label>
      <div className="param-grid">
        <SelectField id={`${id}-upscaler`} label="Upscaler" testId="hires-upscaler" value={params.hiresUpscaler} options={HIRES_UPSCALERS} onChange={(hiresUpscaler) => setParams({ hiresUpscaler })} />
        <NumberField id={`${id}-steps`} label="Hires steps" testId="hires-steps" value={params.hiresSteps} min={0} max={150} step={1} onChange={(hiresSteps) => setParams({ hiresSteps })} />
        <SliderField
          id={`${id}-denoise`}
          label="Hires denoising strength"
          testId="hires-denoising-strength"
          value={params.hiresDenoisingStrength}
          min={0}
          max={1}
          step={0.01}
          onChange={(hiresDenoisingStrength) => setParams({ hiresDenoisingStrength })}
        />
        <NumberField id={`${id}-scale`} label="Upscale by" testId="hires-scale" value={params.hiresScale} min={1} max={4} step={0.05} onChange={(hiresScale) => setParams({ hiresScale })} />
        <NumberField id={`${id}-rx`} label="Resize width to" testId="hires-resize-x" value={params.hiresResizeX} min={0} max={2048} step={step} onChange={(hiresResizeX) => setParams({ hiresResizeX })} />
        <NumberField id={`${id}-ry`} label="Resize height to" testId="hires-resize-y" value={params.hiresResizeY} min={0} max={2048} step={step} onChange={(hiresResizeY) => setParams({ hiresResizeY })} />
        <SelectField id={`${id}-sampler`} label="Hires sampler" testId="hires-sampler" value={params.hiresSampler} options={[SAME_SAMPLER, ...SAMPLER_LABELS]} onChange={(hiresSampler) => setParams({ hiresSampler })} />
        <SelectField
          id={`${id}-schedule`}
          label="Hires schedule type"
          testId="hires-schedule-type"
          value={params.hiresScheduleType}
          options={[SAME_SCHEDULER, ...SCHEDULE_TYPE_LABELS]}
          onChange={(hiresScheduleType) => setParams({ hiresScheduleType })}
        />
      </div>
      <p className="muted gen-extra-hint" data-testid="hires-size">
        {size}. Hires steps 0: as many as the first pass. Resize width/height to (0: off) replace Upscale by.
      </p>
    </>
  );
}
