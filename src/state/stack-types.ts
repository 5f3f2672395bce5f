/** The stack slice: which loaded hypernetworks run inside the U-Net, in which order, at which strength. */
import type { StackInfo } from '../engine/api.ts';
import type { UiError } from './errors.ts';

export type { StackInfo };

/** One hypernetwork of the stack panel, by the id of its inspector entry. */
export interface StackEntry {
  id: string;
  /** disabled entries stay in the panel but are not sent to the engine */
  enabled: boolean;
  /** A1111's multiplier: any finite number (the slider shows −1…2) */
  strength: number;
}

/** What the engine holds now: the enabled entries last sent, in order, and what they touch. */
export interface AppliedStack {
  ids: string[];
  strengths: number[];
  /** the tag names sent (a rename re-sends the stack so the infotext follows) */
  names: string[];
  info: StackInfo;
}

export type StackSync =
  /** the engine holds what the panel shows (or no model is loaded) */
  | 'idle'
  /** the set or order changed: the U-Net session is being rebuilt */
  | 'compiling'
  /** only strengths changed: a graph input is being updated */
  | 'updating';

export interface StackState {
  /** in application order */
  entries: StackEntry[];
  /** null until the stack was applied to the loaded model (and again after each model load) */
  applied: AppliedStack | null;
  sync: StackSync;
  /** why the last `setHypernetworks` failed */
  error: UiError | null;
}

export const initialStack: StackState = { entries: [], applied: null, sync: 'idle', error: null };

/** Ends of the strength slider; the number field takes any finite value. */
export const STRENGTH_MIN = -1;
export const STRENGTH_MAX = 2;
export const STRENGTH_STEP = 0.01;
