import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { restoreHypernetworks } from './state/actions/hypernetworks.ts';
import { startTokenCounter } from './state/actions/prompt-tokens.ts';
import { startPwa } from './pwa/register.ts';
import { startStudio } from './state/actions/models.ts';
import { App } from './ui/App.tsx';
import './ui/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The embedded demo model (or the folder `?model=` names) loads at once, on the backend `?backend=` names.
void startStudio(window.location.search);
// Hypernetworks dropped on earlier visits come back as cards (re-read from the bytes kept in IndexedDB).
void restoreHypernetworks();

// A1111's token counter beside the prompt, counted in the parse worker as the prompt changes.
startTokenCounter();

// Offline use: the service worker precaches the app, onnxruntime, the demo model and hypernetworks (production builds).
startPwa();
