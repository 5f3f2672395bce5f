import { AppHeader } from './AppHeader.tsx';
import { DropZone } from './DropZone.tsx';
import { EntryList } from './EntryList.tsx';
import { Gallery } from './Gallery.tsx';
import { GenerationPanel } from './GenerationPanel.tsx';
import { ModelsDialog } from './ModelsDialog.tsx';
import { PngInfoPanel } from './PngInfoPanel.tsx';
import './App.css';

export function App() {
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main workspace">
        <GenerationPanel />
        <section className="inspector" aria-label="Hypernetworks">
          <DropZone />
          <EntryList />
        </section>
        <div className="session-column">
          <PngInfoPanel />
          <Gallery />
        </div>
      </main>
      <ModelsDialog />
    </div>
  );
}
