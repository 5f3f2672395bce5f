// the theme first: components' own stylesheets (imported by them) come after it and refine it
import './ui/theme.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startTokenCounter } from './state/actions/prompt-tokens.ts';
import { restoreSession } from './state/actions/session.ts';
import { startPwa } from './pwa/register.ts';
import { startStudio } from './state/actions/models.ts';
import { App } from './ui/App.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The last session's form comes back first (its size applies if the same model loads), then its hypernetwork
// files (re-read from the bytes kept in IndexedDB), its stack and its gallery (OPFS).
void restoreSession();
// The embedded demo model (or the folder `?model=` names) loads at once, on the backend `?backend=` names.
void startStudio(window.location.search);

// A1111's token counter beside the prompt, counted in the parse worker as the prompt changes.
startTokenCounter();

// Offline use: the service worker precaches the app, onnxruntime, the demo model and hypernetworks (production builds).
startPwa();
