import { describe, expect, it } from 'vitest';
import {
  formatSeeds,
  formatActivation,
  formatBytes,
  formatCompactCount,
  formatDuration,
  formatInteger,
  formatLayout,
  formatStructure,
  hasDropout,
} from './format.ts';

describe('format', () => {
  it('formats byte sizes with SI units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1536)).toBe('1.54 kB');
    expect(formatBytes(87_759_360)).toBe('87.8 MB');
    expect(formatBytes(263_000_000)).toBe('263 MB');
    expect(formatBytes(2_100_000_000)).toBe('2.10 GB');
  });

  it('formats counts exactly and compactly', () => {
    expect(formatInteger(21_939_840)).toBe('21,939,840');
    expect(formatCompactCount(42)).toBe('42');
    expect(formatCompactCount(12_345)).toBe('12.3 k');
    expect(formatCompactCount(21_939_840)).toBe('21.9 M');
  });

  it('writes structures in A1111 notation', () => {
    expect(formatStructure([1, 2, 1])).toBe('1, 2, 1');
    expect(formatStructure([1, 1.5, 0.3, 1])).toBe('1, 1.5, 0.3, 1');
  });

  it('names activations after the module A1111 builds', () => {
    expect(formatActivation('linear')).toBe('linear (none)');
    expect(formatActivation('relu')).toBe('relu');
    expect(formatActivation('swish')).toBe('swish (Hardswish)');
    expect(formatActivation('weird')).toBe('weird');
  });

  it('lists the Sequential children of a layout', () => {
    expect(
      formatLayout([
        { type: 'linear', in: 768, out: 1536 },
        { type: 'activation', name: 'relu' },
        { type: 'layernorm', features: 1536 },
        { type: 'dropout', p: 0.3 },
        { type: 'linear', in: 1536, out: 768 },
      ]),
    ).toBe('Linear 768→1536 · ReLU · LayerNorm 1536 · Dropout 0.3 · Linear 1536→768');
  });

  it('detects configured dropout', () => {
    expect(hasDropout([0, 0, 0])).toBe(false);
    expect(hasDropout([0, 0.3, 0])).toBe(true);
  });
});

describe('formatDuration', () => {
  it('keeps a decimal under ten seconds, then whole seconds, then minutes', () => {
    expect(formatDuration(860)).toBe('0.9 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(75_000)).toBe('1 min 15 s');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

describe('formatSeeds', () => {
  it('a batch counting up reads as a range, anything else as a bounded list', () => {
    expect(formatSeeds([1234])).toBe('1234');
    expect(formatSeeds([1234, 1235, 1236, 1237])).toBe('1234–1237');
    expect(formatSeeds([7, 7, 7])).toBe('7, 7, 7');
    expect(formatSeeds(Array.from({ length: 10 }, (_, i) => i * 3))).toBe('0, 3, 6, 9, 12, 15, 18, 21, … (10 seeds)');
  });
});
