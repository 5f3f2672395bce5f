import { describe, expect, it } from 'vitest';
import { progressLabel } from './GenerationOutput.tsx';
import { loadStepLabel } from './ModelBar.tsx';

describe('loadStepLabel', () => {
  it('names the file being read, then the network being compiled', () => {
    expect(loadStepLabel({ phase: 'start' })).toBe('Starting the engine…');
    expect(loadStepLabel({ phase: 'load', file: 'unet/model.onnx', index: 3, files: 6 })).toBe('Loading files 4/6 · U-Net');
    expect(loadStepLabel({ phase: 'compile', model: 'U-Net', index: 1, models: 3 }, 'webgpu')).toBe('Compiling shaders 2/3 · U-Net');
    expect(loadStepLabel({ phase: 'compile', model: 'U-Net', index: 1, models: 3 }, 'wasm')).toBe('Warming up 2/3 · U-Net');
  });
});

describe('progressLabel', () => {
  const base = { image: 0, images: 1, step: 7, steps: 20, elapsedMs: 700, etaMs: 1300, fraction: 0.35 };
  it('shows the step, and the image of a batch', () => {
    expect(progressLabel({ ...base, phase: 'encode' })).toBe('Encoding the prompt…');
    expect(progressLabel({ ...base, phase: 'denoise' })).toBe('Step 7/20');
    expect(progressLabel({ ...base, phase: 'denoise', image: 1, images: 3 })).toBe('Image 2/3 · Step 7/20');
    expect(progressLabel({ ...base, phase: 'decode' })).toBe('Decoding…');
  });
  it('names the hires fix\'s passes', () => {
    expect(progressLabel({ ...base, phase: 'denoise', pass: { index: 1, count: 2 } })).toBe('Pass 1 of 2 · Step 7/20');
    expect(progressLabel({ ...base, phase: 'denoise', images: 2, pass: { index: 2, count: 2 } })).toBe('Image 1/2 · Hires pass (2 of 2) · Step 7/20');
  });
});
