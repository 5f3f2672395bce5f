/**
 * Live mode's timing, without the store: commits (a slider released, a strength typed) are coalesced over a
 * short delay; then a run in flight is cancelled and awaited, and one new run starts. A commit arriving while
 * that happens supersedes it: only the latest commit starts a run. Pure logic over injected effects, so the
 * tests drive it with fake timers.
 */
export interface LiveEffects {
  /** live mode is on and a run may start (model ready, fixed seed) */
  enabled(): boolean;
  /** a run is in flight */
  busy(): boolean;
  /** asks the run in flight to stop */
  cancel(): Promise<void>;
  /** resolves once no run is in flight */
  whenIdle(): Promise<void>;
  /** starts the new run; resolves when it ends */
  start(): Promise<void>;
}

export interface LiveScheduler {
  /** a strength change was committed; it starts a run after `delayMs` without another commit */
  commit(delayMs?: number): void;
  /** resolves when the commits so far have started (and finished) their run, or were dropped */
  settled(): Promise<void>;
  dispose(): void;
}

/** Commits closer together than this make one run (a pointerup, then a change event, of one release). */
export const LIVE_DEBOUNCE_MS = 120;
/** A strength typed in a prompt tag: a pause in typing, so "0.7" on the way to "0.75" starts no run. */
export const LIVE_TYPING_MS = 500;

export function createLiveScheduler(effects: LiveEffects, delayMs = LIVE_DEBOUNCE_MS): LiveScheduler {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let token = 0;
  let chain: Promise<void> = Promise.resolve();
  let waiting: { resolve: () => void } | null = null;
  let waitingPromise: Promise<void> | null = null;

  /** the run started last (its end is awaited by `settled`, not by the chain: a commit must reach it to cancel it) */
  let lastRun: Promise<void> = Promise.resolve();

  const fire = async (mine: number): Promise<void> => {
    if (!effects.enabled()) return;
    if (effects.busy()) {
      await effects.cancel();
      await effects.whenIdle();
    }
    // a later commit took over while the old run was stopping
    if (mine !== token || !effects.enabled()) return;
    lastRun = effects.start().catch(() => undefined);
  };

  const settle = () => {
    const w = waiting;
    waiting = null;
    waitingPromise = null;
    w?.resolve();
  };

  return {
    commit(delay = delayMs) {
      const mine = ++token;
      if (timer !== null) clearTimeout(timer);
      waitingPromise ??= new Promise<void>((resolve) => (waiting = { resolve }));
      timer = setTimeout(() => {
        timer = null;
        chain = chain.then(() => fire(mine)).catch(() => undefined);
        void chain
          .then(() => lastRun)
          .then(() => {
            if (mine === token) settle();
          });
      }, delay);
    },
    settled() {
      return waitingPromise ?? chain.then(() => lastRun);
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      token++;
      settle();
    },
  };
}
