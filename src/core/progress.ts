/** Progress events of long operations, one union for the worker, the UI and the CLI. */

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes */
  readonly data: Uint8ClampedArray;
}

export type ProgressEvent =
  | { phase: 'load'; file: string; index: number; files: number }
  | { phase: 'compile'; model: string }
  | { phase: 'encode' }
  | {
      phase: 'denoise';
      image: number;
      images: number;
      step: number;
      steps: number;
      elapsedMs: number;
      etaMs: number;
      preview?: RgbaImage;
      /** the hires fix's passes: 1 (at width × height) then 2 (upscaled); absent for a single-pass run */
      pass?: { index: number; count: number };
    }
  | { phase: 'decode'; image: number; images: number };

export type ProgressFn = (event: ProgressEvent) => void;
