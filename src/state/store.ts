/**
 * The app's single zustand store, one slice per concern (hypernetworks, stack, models, generation). State only:
 * actions live in `actions/` as plain functions so components and tests call them without a hook.
 */
import { create } from 'zustand';
import type { GenerationState } from './generation-types.ts';
import type { HypernetworkEntry } from './hypernetwork-entry.ts';
import type { ModelState } from './model-types.ts';
import type { StackState } from './stack-types.ts';
import type { StorageState } from './storage-types.ts';
import type { SessionState } from './session-types.ts';
import { initialSession } from './session-types.ts';
import { initialGeneration } from './generation-types.ts';
import { initialModel } from './model-types.ts';
import { initialStack } from './stack-types.ts';
import { initialStorage } from './storage-types.ts';

export interface HypernetworksSlice {
  /** in drop order */
  hypernetworks: HypernetworkEntry[];
}

export interface StackSlice {
  /** the U-Net's hypernetwork stack (entries of `hypernetworks` that read successfully) */
  stack: StackState;
}

export interface ModelsSlice {
  /** the Stable Diffusion pipeline the engine holds (one at a time) */
  model: ModelState;
}

export interface StorageSlice {
  /** models installed in the browser's storage, the quota, imports */
  storage: StorageState;
}

export interface GenerationSlice {
  generation: GenerationState;
}

export interface SessionSlice {
  /** live mode, strength sweeps, this session's gallery and the last PNG Info import */
  session: SessionState;
}

export type StudioState = HypernetworksSlice & StackSlice & ModelsSlice & GenerationSlice & StorageSlice & SessionSlice;

export const initialStudioState: StudioState = {
  hypernetworks: [],
  stack: initialStack,
  model: initialModel,
  generation: initialGeneration,
  storage: initialStorage,
  session: initialSession,
};

export const useStudio = create<StudioState>()(() => initialStudioState);

/** Back to a fresh store (tests). */
export function resetStudio(): void {
  useStudio.setState(initialStudioState, true);
}
