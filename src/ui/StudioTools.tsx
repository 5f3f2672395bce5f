import { useEffect, useId } from 'react';
import { commitStrengthChange, setLiveMode } from '../state/actions/live.ts';
import { runSweep, setSweepTarget, setSweepText, sweepBlocker, sweepTarget, sweepTargets } from '../state/actions/sweep.ts';
import { useStudio } from '../state/store.ts';
import './StudioTools.css';

/** The stack's strength controls whose committed changes drive live mode (slider released, value entered). */
const STRENGTH_CONTROLS = '[data-testid="stack-slider"], [data-testid="stack-number"]';

/**
 * Live mode listens for commits, not every input event: a range input's `change` fires on release (pointer or
 * key), a number field's on Enter or blur; `pointerup`/`keyup` on the slider cover browsers that fire `change`
 * late. The scheduler coalesces the duplicates of one release.
 */
function useStrengthCommits(): void {
  useEffect(() => {
    const onCommit = (event: Event) => {
      const target = event.target;
      if (!(target instanceof Element) || !target.matches(STRENGTH_CONTROLS)) return;
      if (event.type === 'keyup' && !/^(Arrow|Page|Home|End)/.test((event as KeyboardEvent).key)) return;
      if (event.type !== 'change' && !target.matches('[data-testid="stack-slider"]')) return;
      commitStrengthChange();
    };
    for (const type of ['change', 'pointerup', 'keyup']) document.addEventListener(type, onCommit, true);
    return () => {
      for (const type of ['change', 'pointerup', 'keyup']) document.removeEventListener(type, onCommit, true);
    };
  }, []);
}

/** Live mode and the strength sweep, under the stack. */
export function StudioTools() {
  useStrengthCommits();
  const live = useStudio((s) => s.session.live);
  const randomSeed = useStudio((s) => s.generation.params.randomSeed);
  const sweep = useStudio((s) => s.session.sweep);
  const blocker = useStudio(sweepBlocker);
  const busy = useStudio((s) => s.generation.status !== 'idle');
  // one string per render: a stable selector result while the targets do not change
  const targetText = useStudio((s) => sweepTargets(s).map((t) => `${t.id}\t${t.name}`).join('\n'));
  const targets = targetText ? targetText.split('\n').map((line) => line.split('\t') as [string, string]) : [];
  const target = useStudio(sweepTarget);
  const id = useId();

  return (
    <section className="studio-tools" aria-label="Live mode and strength sweep" data-testid="studio-tools">
      <div className="live-row">
        <span className="switch">
          <input
            id={`${id}-live`}
            type="checkbox"
            role="switch"
            checked={live}
            aria-describedby={`${id}-live-hint`}
            data-testid="live-toggle"
            onChange={(e) => setLiveMode(e.currentTarget.checked)}
          />
          <span className="switch-track" aria-hidden="true" />
        </span>
        <label className="switch-label" htmlFor={`${id}-live`}>
          Live mode
        </label>
        <p id={`${id}-live-hint`} className="muted live-hint">
          {live
            ? randomSeed
              ? 'Fix the seed for live updates.'
              : 'Releasing a strength slider re-generates with the same seed.'
            : 'Re-generate on every strength change (fixed seed).'}
        </p>
      </div>

      <div className="sweep" data-testid="sweep">
        <h3 className="stack-title">Strength sweep</h3>
        <div className="sweep-row">
          <div className="field">
            <label className="field-label" htmlFor={`${id}-target`}>
              Hypernetwork
            </label>
            <select
              id={`${id}-target`}
              className="select"
              data-testid="sweep-target"
              disabled={targets.length === 0}
              value={target ?? ''}
              onChange={(e) => setSweepTarget(e.currentTarget.value || null)}
            >
              {targets.length === 0 && <option value="">— stack is empty —</option>}
              {targets.map(([hid, name]) => (
                <option key={hid} value={hid}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field sweep-strengths">
            <label className="field-label" htmlFor={`${id}-strengths`}>
              Strengths
            </label>
            <input
              id={`${id}-strengths`}
              className="input mono"
              type="text"
              inputMode="decimal"
              spellCheck={false}
              value={sweep.text}
              aria-describedby={`${id}-sweep-note`}
              data-testid="sweep-strengths"
              onChange={(e) => setSweepText(e.currentTarget.value)}
            />
          </div>
          <button type="button" className="button button-secondary" data-testid="sweep-run" disabled={busy || blocker !== null} onClick={() => void runSweep()}>
            Run sweep
          </button>
        </div>
        <p id={`${id}-sweep-note`} className="muted sweep-note" data-testid="sweep-note">
          {blocker ?? 'One image per strength, same seed; batched in one U-Net call per step when memory allows.'}
        </p>
      </div>
    </section>
  );
}
