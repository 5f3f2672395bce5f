import { useId } from 'react';
import { AXIS_TYPES, isAxisType, type AxisType } from '../core/diffusion/xyz/axes.ts';
import { cancelGeneration } from '../state/actions/generation.ts';
import { AXIS_LETTERS, dismissXyzError, libraryNames, runXyzPlot, setXyzAxis, setXyzOptions, xyzBlocker, xyzPreview } from '../state/actions/xyz.ts';
import { useXyz } from '../state/actions/xyz-state.ts';
import { SAMPLER_LABELS } from '../state/generation-types.ts';
import { useStudio } from '../state/store.ts';
import { XyzPlotResult } from './XyzPlotResult.tsx';
import './XyzPlot.css';

/** Placeholder hints per axis type: A1111's syntax. */
const HINTS: Record<AxisType, string> = {
  Nothing: '',
  Seed: '1-3, -1',
  Steps: '10-30 (+10)',
  'CFG Scale': '5-9 [3]',
  Sampler: 'Euler a, DPM++ 2M',
  'Clip skip': '1, 2',
  Hypernetwork: 'None, stripes',
  'Hypernet str.': '0-1 [5]',
};

/**
 * A1111's X/Y/Z plot script: per axis a type and its values (A1111's syntax: lists, quoted CSV, ranges "1-5",
 * "1-5 (+2)", "0-1 [5]"), a count of the images before running, Run / Cancel, and the labelled grids.
 */
export function XyzPlotPanel() {
  const id = useId();
  const xyz = useXyz();
  const blocker = useStudio(xyzBlocker);
  const running = xyz.status === 'running';
  const cancelling = useStudio((s) => s.generation.status === 'cancelling');
  // one string per render: a stable selector result while the names do not change
  const names = useStudio((s) => libraryNames(s).map((h) => h.name).join('\n'));
  // the preview reads only the library's names from the studio store (subscribed above)
  const preview = xyzPreview(useStudio.getState(), xyz);
  const choices: Partial<Record<AxisType, string[]>> = { Sampler: [...SAMPLER_LABELS], Hypernetwork: ['None', ...(names ? names.split('\n') : [])] };
  const summary = preview.ok
    ? `${preview.counts.filter((_, i) => xyz.axes[i]!.type !== 'Nothing' || i === 0).join(' × ')} = ${preview.cells} ${preview.cells === 1 ? 'image' : 'images'}`
    : preview.error;

  return (
    <details className="xyz-panel" data-testid="xyz-panel">
      <summary className="xyz-summary">X/Y/Z plot</summary>
      <div className="xyz-body">
        {xyz.axes.map((axis, i) => {
          const letter = AXIS_LETTERS[i]!;
          const options = choices[axis.type];
          return (
            <div className="xyz-axis" key={letter} data-testid={`xyz-axis-${letter.toLowerCase()}`}>
              <div className="field">
                <label className="field-label" htmlFor={`${id}-${letter}-type`}>
                  {letter} type
                </label>
                <select
                  id={`${id}-${letter}-type`}
                  className="select"
                  value={axis.type}
                  onChange={(e) => {
                    const type = e.currentTarget.value;
                    if (isAxisType(type)) setXyzAxis(i as 0 | 1 | 2, { type });
                  }}
                >
                  {AXIS_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field xyz-values">
                <label className="field-label" htmlFor={`${id}-${letter}-values`}>
                  {letter} values
                </label>
                <input
                  id={`${id}-${letter}-values`}
                  className="input mono"
                  type="text"
                  spellCheck={false}
                  disabled={axis.type === 'Nothing'}
                  placeholder={HINTS[axis.type]}
                  value={axis.type === 'Nothing' ? '' : axis.text}
                  onChange={(e) => setXyzAxis(i as 0 | 1 | 2, { text: e.currentTarget.value })}
                />
              </div>
              {options && (
                <div className="field">
                  <label className="field-label" htmlFor={`${id}-${letter}-add`}>
                    Add a {axis.type === 'Sampler' ? 'sampler' : 'hypernetwork'}
                  </label>
                  <select
                    id={`${id}-${letter}-add`}
                    className="select"
                    value=""
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      if (value) setXyzAxis(i as 0 | 1 | 2, { text: appendValue(axis.text, value) });
                    }}
                  >
                    <option value="">Choose…</option>
                    {options.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </div>
              )}
            </div>
          );
        })}
        <div className="xyz-options">
          <label className="check">
            <input type="checkbox" checked={xyz.keepRandomSeeds} onChange={(e) => setXyzOptions({ keepRandomSeeds: e.currentTarget.checked })} /> Keep -1 for seeds
          </label>
          <label className="check">
            <input type="checkbox" checked={xyz.includeSubImages} onChange={(e) => setXyzOptions({ includeSubImages: e.currentTarget.checked })} /> Include Sub Images (to the gallery)
          </label>
        </div>
        <p className={`xyz-count${preview.ok ? ' muted' : ' xyz-invalid'}`} id={`${id}-count`} data-testid="xyz-count" aria-live="polite">
          {running && xyz.progress ? `Image ${Math.min(xyz.progress.done + 1, xyz.progress.cells)} of ${xyz.progress.cells} · run ${xyz.progress.run} of ${xyz.progress.runs}` : summary}
        </p>
        <div className="xyz-actions">
          <button
            type="button"
            className="button button-secondary"
            data-testid="xyz-run"
            aria-describedby={`${id}-count`}
            disabled={running || blocker !== null || !preview.ok}
            title={blocker ?? undefined}
            onClick={() => void runXyzPlot()}
          >
            Run X/Y/Z plot
          </button>
          {running && (
            <button type="button" className="button button-ghost" data-testid="xyz-cancel" disabled={cancelling} onClick={() => void cancelGeneration()}>
              {cancelling ? 'Cancelling…' : 'Cancel plot'}
            </button>
          )}
        </div>
        {xyz.error && (
          <div className="xyz-error" role="alert" data-testid="xyz-error" data-code={xyz.error.code}>
            <span>{xyz.error.message}</span>
            <button type="button" className="link-button" onClick={dismissXyzError}>
              Dismiss
            </button>
          </div>
        )}
        {/* a new plot is a new view: no cell of the old one stays open */}
        {xyz.result && <XyzPlotResult key={xyz.result.cells[0]?.image.id} result={xyz.result} />}
      </div>
    </details>
  );
}

/** Appends a name to a CSV list, quoted when it holds a comma or quote (A1111's list_to_csv_string). */
function appendValue(text: string, value: string): string {
  const item = /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  return text.trim() ? `${text.replace(/[\s,]+$/, '')}, ${item}` : item;
}
