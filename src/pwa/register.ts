/// <reference types="vite-plugin-pwa/client" />
/**
 * Registers the service worker that vite-plugin-pwa builds (production builds only; in `npm start` the virtual
 * module is a no-op) and feeds its events to the PWA store.
 */
import { registerSW } from 'virtual:pwa-register';
import { useStudio } from '../state/store.ts';
import { configurePwa, markOfflineReady, markUpdateAvailable, newVersionControlling } from './pwa-store.ts';

const isBusy = () => useStudio.getState().generation.status !== 'idle';

function whenIdle(fn: () => void): void {
  if (!isBusy()) {
    fn();
    return;
  }
  const stop = useStudio.subscribe((s) => {
    if (s.generation.status !== 'idle') return;
    stop();
    fn();
  });
}

/**
 * Lets the waiting version take over. A page the old version controls reloads when the new one takes control
 * (`onNeedReload`). A page loaded before any service worker was active (the first visit) is controlled by none,
 * so no such event comes: it reloads once the new version is active instead.
 */
async function activate(updateServiceWorker: (reload?: boolean) => Promise<void>): Promise<void> {
  const next = navigator.serviceWorker.controller ? null : (await navigator.serviceWorker.getRegistration())?.waiting;
  next?.addEventListener('statechange', () => {
    if (next.state === 'activated') window.location.reload();
  });
  await updateServiceWorker(true);
}

export function startPwa(): void {
  if (!('serviceWorker' in navigator)) return;
  const updateServiceWorker = registerSW({
    // first install: the precache is complete; offline use starts once the worker is active
    onOfflineReady: () => void navigator.serviceWorker.ready.then(markOfflineReady),
    onNeedRefresh: markUpdateAvailable,
    onNeedReload: newVersionControlling,
    // a later visit: an active worker has its precache complete already
    onRegisteredSW: (_url, registration) => {
      if (registration?.active) markOfflineReady();
    },
    // no service worker (private mode, blocked by policy or a test): the app works online as before
    onRegisterError: () => undefined,
  });
  configurePwa({ activateUpdate: () => activate(updateServiceWorker), reload: () => window.location.reload(), isBusy, whenIdle });
}
