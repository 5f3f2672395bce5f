/** How the hypernetwork library lists its files: a filter, a sort order, and which cards are open. */
import { entryName, type HypernetworkEntry } from '../hypernetwork-entry.ts';
import type { LibrarySort, LibraryView } from '../session-types.ts';
import { useStudio, type StudioState } from '../store.ts';

function setView(patch: (view: LibraryView) => Partial<LibraryView>): void {
  useStudio.setState((s) => ({ session: { ...s.session, library: { ...s.session.library, ...patch(s.session.library) } } }));
}

export function setLibraryFilter(filter: string): void {
  setView(() => ({ filter }));
}

export function setLibrarySort(sort: LibrarySort): void {
  setView(() => ({ sort }));
}

export function setEntryOpen(id: string, open: boolean): void {
  setView((v) => ({ open: { ...v.open, [id]: open } }));
}

/** Opens or closes every card. */
export function setAllOpen(open: boolean): void {
  const ids = useStudio.getState().hypernetworks.map((e) => e.id);
  setView(() => ({ open: Object.fromEntries(ids.map((id) => [id, open])) }));
}

/** A card is open when the user opened it; by default when its file failed (the reason shows) or is the only one. */
export function isEntryOpen(state: StudioState, entry: HypernetworkEntry): boolean {
  return state.session.library.open[entry.id] ?? (entry.status === 'error' || state.hypernetworks.length === 1);
}

const STATUS_ORDER: Record<HypernetworkEntry['status'], number> = { error: 0, reading: 1, removing: 2, ready: 3 };

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

const BY: Record<LibrarySort, (a: HypernetworkEntry, b: HypernetworkEntry) => number> = {
  added: () => 0,
  file: (a, b) => collator.compare(a.fileName, b.fileName),
  name: (a, b) => collator.compare(internalName(a), internalName(b)),
  size: (a, b) => b.fileSize - a.fileSize,
  status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
};

function internalName(e: HypernetworkEntry): string {
  return e.status === 'ready' ? e.card.name : entryName(e);
}

/** The entries the library shows, filtered and sorted (drop order breaks ties). */
export function visibleEntries(state: StudioState): HypernetworkEntry[] {
  const { filter, sort } = state.session.library;
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? state.hypernetworks.filter((e) => [e.fileName, entryName(e), e.status === 'ready' ? e.card.name : ''].some((t) => t.toLowerCase().includes(needle)))
    : state.hypernetworks;
  return sort === 'added' ? shown : [...shown].sort(BY[sort]);
}
