import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyUpdate, configurePwa, dismissUpdate, markOfflineReady, markUpdateAvailable, newVersionControlling, resetPwa, usePwa } from './pwa-store.ts';

/** Hooks whose "generation" is busy until `finish()`. */
function fakeHooks(busy: boolean) {
  let running = busy;
  let waiting: (() => void)[] = [];
  const hooks = {
    activateUpdate: vi.fn(),
    reload: vi.fn(),
    isBusy: () => running,
    whenIdle: (fn: () => void) => (running ? waiting.push(fn) : fn()),
    finish() {
      running = false;
      const due = waiting;
      waiting = [];
      for (const fn of due) fn();
    },
  };
  configurePwa(hooks);
  return hooks;
}

describe('PWA update flow', () => {
  beforeEach(() => resetPwa());

  it('offline ready and update available are shown states', () => {
    expect(usePwa.getState()).toEqual({ offlineReady: false, updateAvailable: false, reloadPending: false });
    markOfflineReady();
    markUpdateAvailable();
    expect(usePwa.getState()).toMatchObject({ offlineReady: true, updateAvailable: true });
    dismissUpdate();
    expect(usePwa.getState().updateAvailable).toBe(false);
  });

  it('Reload when idle activates the new version at once', () => {
    const hooks = fakeHooks(false);
    markUpdateAvailable();
    applyUpdate();
    expect(hooks.activateUpdate).toHaveBeenCalledTimes(1);
    newVersionControlling();
    expect(hooks.reload).toHaveBeenCalledTimes(1);
  });

  it('Reload during a generation waits for the run to end', () => {
    const hooks = fakeHooks(true);
    markUpdateAvailable();
    applyUpdate();
    applyUpdate(); // a second click changes nothing
    expect(hooks.activateUpdate).not.toHaveBeenCalled();
    expect(usePwa.getState().reloadPending).toBe(true);
    dismissUpdate(); // cannot hide a chosen reload
    expect(usePwa.getState().updateAvailable).toBe(true);
    hooks.finish();
    expect(hooks.activateUpdate).toHaveBeenCalledTimes(1);
  });

  it('a new version taking over mid-generation (another tab chose Reload) reloads only when the run ends', () => {
    const hooks = fakeHooks(true);
    newVersionControlling();
    expect(hooks.reload).not.toHaveBeenCalled();
    expect(usePwa.getState()).toMatchObject({ updateAvailable: true, reloadPending: true });
    hooks.finish();
    expect(hooks.reload).toHaveBeenCalledTimes(1);
  });

  it('Reload without an update does nothing', () => {
    const hooks = fakeHooks(false);
    applyUpdate();
    expect(hooks.activateUpdate).not.toHaveBeenCalled();
  });
});
