/**
 * Strength sweep: N strengths for one hypernetwork of the stack, same seed, run as one batched U-Net call per
 * step where the engine can (it says how it ran, `summary.sweep`). The results show as a labelled strip and
 * download as one PNG grid whose `parameters` describe the sweep.
 */
import { parseStrengthList, type ParsedStrengths } from '../../core/diffusion/pipeline/sweep.ts';
import { entryName } from '../hypernetwork-entry.ts';
import { useStudio, type StudioState } from '../store.ts';
import { generate } from './generation.ts';
import { entryMismatch, wantedStack } from './stack-sync.ts';

export function setSweepText(text: string): void {
  useStudio.setState((s) => ({ session: { ...s.session, sweep: { ...s.session.sweep, text } } }));
}

export function setSweepTarget(targetId: string | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, sweep: { ...s.session.sweep, targetId } } }));
}

export function sweepStrengths(state: StudioState): ParsedStrengths {
  return parseStrengthList(state.session.sweep.text);
}

/**
 * What the sweep can target: the enabled entries that read, in stack order (with those that match no width of
 * the model, so that choosing one says why it cannot be swept).
 */
export function sweepTargets(state: StudioState): { id: string; name: string }[] {
  return state.stack.entries.flatMap(({ id, enabled }) => {
    const entry = state.hypernetworks.find((e) => e.id === id);
    return enabled && entry?.status === 'ready' ? [{ id, name: entryName(entry) }] : [];
  });
}

/** The chosen target: the one picked, else the first. */
export function sweepTarget(state: StudioState): string | null {
  const targets = sweepTargets(state);
  const { targetId } = state.session.sweep;
  return targets.find((t) => t.id === targetId)?.id ?? targets[0]?.id ?? null;
}

/** The swept entry's index among the entries the engine holds (null: nothing it can sweep). */
export function sweepIndex(state: StudioState): number | null {
  const target = sweepTarget(state);
  const index = wantedStack(state).findIndex((w) => w.id === target);
  return index < 0 ? null : index;
}

/** Why the sweep cannot run now, or null when it can. */
export function sweepBlocker(state: StudioState): string | null {
  if (state.model.status !== 'ready') return 'Load a model first.';
  const target = sweepTarget(state);
  if (target === null) return 'Add a hypernetwork to the stack (and enable it) to sweep its strength.';
  const mismatch = entryMismatch(state, target);
  if (mismatch) return `Cannot sweep it: ${mismatch.charAt(0).toLowerCase()}${mismatch.slice(1)} Every image would be the same.`;
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
