import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveScheduler, type LiveEffects } from './live-scheduler.ts';

/** A fake run loop: `start` begins a run that ends when `finish()` is called or it is cancelled. */
function harness(enabled = true) {
  let running: { end: () => void } | null = null;
  let idle: Promise<void> = Promise.resolve();
  const log: string[] = [];
  const effects: LiveEffects = {
    enabled: () => enabled,
    busy: () => running !== null,
    cancel: async () => {
      log.push('cancel');
      running?.end();
    },
    whenIdle: () => idle,
    start: () => {
      log.push('start');
      idle = new Promise<void>((resolve) => {
        running = {
          end: () => {
            running = null;
            resolve();
          },
        };
      });
      return idle;
    },
  };
  return { effects, log, finish: () => running?.end(), isRunning: () => running !== null, setEnabled: (v: boolean) => (enabled = v) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('live scheduler', () => {
  it('one release (pointerup + change) makes one run, after the debounce', async () => {
    const h = harness();
    const live = createLiveScheduler(h.effects, 100);
    live.commit();
    live.commit();
    expect(h.log).toEqual([]);
    await vi.advanceTimersByTimeAsync(99);
    expect(h.log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.log).toEqual(['start']);
    h.finish();
    await live.settled();
  });

  it('a commit during a run cancels it, waits for it to end, then starts one new run', async () => {
    const h = harness();
    const live = createLiveScheduler(h.effects, 100);
    live.commit();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.isRunning()).toBe(true);
    live.commit();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.log).toEqual(['start', 'cancel', 'start']);
    expect(h.isRunning()).toBe(true);
  });

  it('commits in quick succession during a run: only the last starts a run', async () => {
    const h = harness();
    const live = createLiveScheduler(h.effects, 50);
    live.commit();
    await vi.advanceTimersByTimeAsync(50);
    for (let i = 0; i < 5; i++) {
      live.commit();
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(50);
    expect(h.log).toEqual(['start', 'cancel', 'start']);
  });

  it('does nothing while disabled (live off, random seed, no model)', async () => {
    const h = harness(false);
    const live = createLiveScheduler(h.effects, 10);
    live.commit();
    await vi.advanceTimersByTimeAsync(10);
    await live.settled();
    expect(h.log).toEqual([]);
  });

  it('dispose drops a pending commit', async () => {
    const h = harness();
    const live = createLiveScheduler(h.effects, 10);
    live.commit();
    live.dispose();
    await vi.advanceTimersByTimeAsync(50);
    expect(h.log).toEqual([]);
  });
});
