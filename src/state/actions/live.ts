/**
 * Live mode: with a fixed seed, committing a strength change (slider released, exact value entered) re-generates
 * at once, cancelling the run in flight; the last images stay on screen until the new ones are ready. A
 * strength change is a graph input, so no session is rebuilt.
 */
import { createLiveScheduler, LIVE_DEBOUNCE_MS, LIVE_TYPING_MS, type LiveScheduler } from '../live-scheduler.ts';
import { useStudio } from '../store.ts';
import { cancelGeneration, dismissGenerationError, generate, setParams, whenIdle } from './generation.ts';

function setLiveRun(liveRun: boolean): void {
  useStudio.setState((s) => ({ session: { ...s.session, liveRun } }));
}

let scheduler: LiveScheduler = makeScheduler();

function makeScheduler(): LiveScheduler {
  return createLiveScheduler({
    enabled: () => {
      const s = useStudio.getState();
      return s.session.live && s.model.status === 'ready' && !s.generation.params.randomSeed;
    },
    busy: () => useStudio.getState().generation.status !== 'idle',
    cancel: () => cancelGeneration(),
    whenIdle: async () => {
      await whenIdle();
      // the run was superseded, not stopped by the user: no "cancelled" notice
      if (useStudio.getState().generation.error?.code === 'cancelled') dismissGenerationError();
    },
    start: async () => {
      setLiveRun(true);
      try {
        await generate();
      } finally {
        setLiveRun(false);
      }
    },
  });
}

/**
 * The live toggle. Turning it on fixes the seed (the last image's, else the field's) so that only the strength
 * changes between images.
 */
export function setLiveMode(live: boolean): void {
  const { generation } = useStudio.getState();
  useStudio.setState((s) => ({ session: { ...s.session, live } }));
  if (live && generation.params.randomSeed) setParams({ randomSeed: false, seed: generation.lastSeed ?? generation.params.seed });
}

/**
 * A strength change was committed: a slider released, a keyboard step, an exact value entered ('release'), or
 * a multiplier typed in a prompt tag ('typed': the run waits for a pause in typing).
 */
export function commitStrengthChange(source: 'release' | 'typed' = 'release'): void {
  if (useStudio.getState().session.live) scheduler.commit(source === 'typed' ? LIVE_TYPING_MS : LIVE_DEBOUNCE_MS);
}

/** Resolves when the live run asked for so far has finished (tests). */
export function whenLiveSettled(): Promise<void> {
  return scheduler.settled();
}

/** A fresh scheduler (tests). */
export function resetLive(): void {
  scheduler.dispose();
  scheduler = makeScheduler();
}
