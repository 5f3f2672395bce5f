import { AppHeader } from './AppHeader.tsx';
import { DropZone } from './DropZone.tsx';
import { EntryList } from './EntryList.tsx';
import { Gallery } from './Gallery.tsx';
import { GenerationPanel } from './GenerationPanel.tsx';
import { ModelsDialog } from './ModelsDialog.tsx';
import { PngInfoPanel } from './PngInfoPanel.tsx';
import './App.css';

/**
 * Generation on the left; the hypernetwork library, PNG Info and the gallery in a column beside it (below it on
 * narrow windows). The library scrolls inside its panel, so thirty files never push the gallery off the page.
 */
export function App() {
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main workspace">
        <GenerationPanel />
        <div className="side-column">
          <section className="inspector card" aria-label="Hypernetworks">
            <DropZone />
            <EntryList />
          </section>
          <PngInfoPanel />
          <Gallery />
        </div>
      </main>
      <ModelsDialog />
    </div>
  );
}
