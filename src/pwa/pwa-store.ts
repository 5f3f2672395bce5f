/**
 * Offline and update state of the Progressive Web App, and the update flow: a new version waits until the user
 * chooses "Reload", and the page never reloads while a generation runs (the reload happens when it ends).
 * Kept apart from the studio store: the service worker glue (`register.ts`) plugs in through `PwaHooks`.
 */
import { create } from 'zustand';

export interface PwaState {
  /** a service worker is active and its precache (app, onnxruntime, demo model and hypernetworks) is complete */
  offlineReady: boolean;
  /** a new version is installed and waits for the user */
  updateAvailable: boolean;
  /** the user chose Reload during a generation: the update is applied when the run ends */
  reloadPending: boolean;
}

export const initialPwa: PwaState = { offlineReady: false, updateAvailable: false, reloadPending: false };

export const usePwa = create<PwaState>()(() => initialPwa);

export interface PwaHooks {
  /** tells the waiting service worker to take over; `newVersionControlling` follows once it does */
  activateUpdate(): unknown;
  reload(): void;
  /** true while a generation is running (or cancelling) */
  isBusy(): boolean;
  /** calls `fn` once, as soon as `isBusy()` is false */
  whenIdle(fn: () => void): void;
}

const inert: PwaHooks = { activateUpdate: () => undefined, reload: () => undefined, isBusy: () => false, whenIdle: (fn) => fn() };
let hooks: PwaHooks = inert;

export function configurePwa(next: PwaHooks): void {
  hooks = next;
}

/** Back to a fresh state without a service worker (tests). */
export function resetPwa(): void {
  hooks = inert;
  usePwa.setState(initialPwa, true);
}

export function markOfflineReady(): void {
  usePwa.setState({ offlineReady: true });
}

export function markUpdateAvailable(): void {
  usePwa.setState({ updateAvailable: true });
}

/** "Later": hides the prompt; the new version still takes over on the next visit. */
export function dismissUpdate(): void {
  if (!usePwa.getState().reloadPending) usePwa.setState({ updateAvailable: false });
}

/** "Reload": activates the new version now, or when the generation in flight ends. */
export function applyUpdate(): void {
  const state = usePwa.getState();
  if (!state.updateAvailable || state.reloadPending) return;
  if (!hooks.isBusy()) {
    void hooks.activateUpdate();
    return;
  }
  usePwa.setState({ reloadPending: true });
  hooks.whenIdle(() => void hooks.activateUpdate());
}

/**
 * The new version controls the page (after "Reload" here, or in another tab): reload to run it, but not in the
 * middle of a generation.
 */
export function newVersionControlling(): void {
  if (!hooks.isBusy()) {
    hooks.reload();
    return;
  }
  usePwa.setState({ updateAvailable: true, reloadPending: true });
  hooks.whenIdle(() => hooks.reload());
}
