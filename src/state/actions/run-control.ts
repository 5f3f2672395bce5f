/**
 * The generation in flight, as far as other actions need it: wait for it to end, or cancel it. Apart from
 * generation.ts so that models.ts (which cancels a run before a load) and generation.ts (which reloads the model
 * after a lost device) do not import each other.
 */
import { getEngine } from '../../engine/client.ts';
import { useStudio } from '../store.ts';

let running: Promise<void> = Promise.resolve();

/** Records the run that generation.ts started; resolves with it. */
export function trackRun(run: Promise<void>): Promise<void> {
  running = run;
  return run;
}

/** Resolves once no run is in flight. */
export function whenIdle(): Promise<void> {
  return running;
}

/** Stops the run in flight; it ends, as cancelled, within one step. */
export async function cancelGeneration(): Promise<void> {
  if (useStudio.getState().generation.status !== 'running') return;
  useStudio.setState((s) => ({ generation: { ...s.generation, status: 'cancelling' } }));
  try {
    await getEngine().cancel();
  } catch {
    // the run itself reports what happened
  }
}
