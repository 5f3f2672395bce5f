/**
 * Strength sweep: N strengths for one hypernetwork of the stack, same seed, run as one batched U-Net call per
 * step where the engine can (it says how it ran, `summary.sweep`). The results show as a labelled strip and
 * download as one PNG grid whose `parameters` describe the sweep.
 */
import { parseStrengthList, type ParsedStrengths } from '../../core/diffusion/pipeline/sweep.ts';
import { useStudio, type StudioState } from '../store.ts';
import { generate } from './generation.ts';
import { wantedStack } from './stack.ts';

export function setSweepText(text: string): void {
  useStudio.setState((s) => ({ session: { ...s.session, sweep: { ...s.session.sweep, text } } }));
}

export function setSweepTarget(targetId: string | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, sweep: { ...s.session.sweep, targetId } } }));
}

export function sweepStrengths(state: StudioState): ParsedStrengths {
  return parseStrengthList(state.session.sweep.text);
}

/** The swept entry's index among the enabled entries the engine holds (null: nothing to sweep). */
export function sweepIndex(state: StudioState): number | null {
  const wanted = wantedStack(state);
  if (wanted.length === 0) return null;
  const { targetId } = state.session.sweep;
  const index = targetId === null ? 0 : wanted.findIndex((w) => w.id === targetId);
  return index < 0 ? 0 : index;
}

/** Why the sweep cannot run now, or null when it can. */
export function sweepBlocker(state: StudioState): string | null {
  if (state.model.status !== 'ready') return 'Load a model first.';
  if (sweepIndex(state) === null) return 'Add a hypernetwork to the stack (and enable it) to sweep its strength.';
  const parsed = sweepStrengths(state);
  if (!parsed.ok) return parsed.error;
  return null;
}

/** Runs the sweep with the form's settings (a random seed is drawn once: every image gets the same one). */
export function runSweep(): Promise<void> {
  const state = useStudio.getState();
  if (sweepBlocker(state) !== null || state.generation.status !== 'idle') return Promise.resolve();
  const parsed = sweepStrengths(state);
  const index = sweepIndex(state);
  if (!parsed.ok || index === null) return Promise.resolve();
  return generate({ sweep: { index, strengths: parsed.strengths } });
}
