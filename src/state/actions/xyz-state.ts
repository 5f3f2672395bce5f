/**
 * The X/Y/Z plot's own slice: the three axes as typed, the options, the plot in flight and the last finished
 * plot. Apart from the studio store so the plot adds no field to the slices other panels persist and render.
 */
import { create } from 'zustand';
import type { AxisType, ParsedAxis } from '../../core/diffusion/xyz/axes.ts';
import type { UiError } from '../errors.ts';
import type { ResultImage } from '../generation-types.ts';

export interface XyzAxisInput {
  type: AxisType;
  text: string;
}

/** How one engine call of the plot ran. */
export interface XyzRunInfo {
  /** cells (images) it made */
  cells: number;
  /** 'batched': one U-Net batch per step for a sweep's strengths; 'sequential': a sweep one image at a time */
  mode: 'single' | 'batched' | 'sequential';
  unetCalls: number;
}

export interface XyzCellResult {
  /** A1111's cell index: ix + iy·|X| + iz·|X|·|Y| */
  index: number;
  ix: number;
  iy: number;
  iz: number;
  image: ResultImage;
}

export interface XyzResult {
  axes: [ParsedAxis, ParsedAxis, ParsedAxis];
  /** A1111's label of each value, per axis */
  labels: [string[], string[], string[]];
  /** in A1111's order (x fastest, z outer) */
  cells: XyzCellResult[];
  runs: XyzRunInfo[];
  unetCalls: number;
  /** how many times the hypernetwork stack's files changed (U-Net session rebuilds) */
  stackSwitches: number;
  totalMs: number;
}

export interface XyzProgress {
  /** cells finished */
  done: number;
  cells: number;
  /** engine call under way (1-based) of `runs` */
  run: number;
  runs: number;
}

export interface XyzState {
  axes: [XyzAxisInput, XyzAxisInput, XyzAxisInput];
  /** A1111's "Keep -1 for seeds": each image draws its own seed instead of one fixed for the plot */
  keepRandomSeeds: boolean;
  /** A1111's "Include Sub Images": the cells also go to the gallery */
  includeSubImages: boolean;
  status: 'idle' | 'running';
  progress: XyzProgress | null;
  result: XyzResult | null;
  error: UiError | null;
}

export const initialXyz: XyzState = {
  axes: [
    { type: 'Seed', text: '1-3' },
    { type: 'Hypernet str.', text: '0, 0.5, 1' },
    { type: 'Nothing', text: '' },
  ],
  keepRandomSeeds: false,
  includeSubImages: false,
  status: 'idle',
  progress: null,
  result: null,
  error: null,
};

export const useXyz = create<XyzState>()(() => initialXyz);

/** Back to a fresh plot (tests). */
export function resetXyz(): void {
  useXyz.setState(initialXyz, true);
}
