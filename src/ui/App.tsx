import { AppHeader } from './AppHeader.tsx';
import { DropZone } from './DropZone.tsx';
import { EntryList } from './EntryList.tsx';

export function App() {
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main">
        <DropZone />
        <EntryList />
      </main>
    </div>
  );
}
