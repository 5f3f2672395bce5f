/**
 * The app's single zustand store, one slice per concern (later: models, generation, prefs). State only:
 * actions live in `actions/` as plain functions so components and tests call them without a hook.
 */
import { create } from 'zustand';
import type { HypernetworkEntry } from './hypernetwork-entry.ts';

export interface HypernetworksSlice {
  /** in drop order */
  hypernetworks: HypernetworkEntry[];
}

export type StudioState = HypernetworksSlice;

export const initialStudioState: StudioState = { hypernetworks: [] };

export const useStudio = create<StudioState>()(() => initialStudioState);

/** Back to a fresh store (tests). */
export function resetStudio(): void {
  useStudio.setState(initialStudioState, true);
}
