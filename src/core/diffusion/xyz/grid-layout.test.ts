/** A1111's grid annotation layout (sizes and positions; text measured by a stub: 10 px per character). */
import { describe, expect, it } from 'vitest';
import type { ParsedAxis } from './axes.ts';
import { xyzGridInfotext } from './grid-infotext.ts';
import { gridLayout, wrapWords } from './grid-layout.ts';

const measure = (text: string, fontSize: number) => ({ width: text.length * 10, height: fontSize });

describe('grid layout', () => {
  it('column labels on top, row labels in a left margin of 3/4 cell, font (w + h) / 25', () => {
    const l = gridLayout({ cellWidth: 256, cellHeight: 256, cols: 3, rows: 2, colLabels: ['Seed: 1', 'Seed: 2', 'Seed: 3'], rowLabels: ['Steps: 5', 'Steps: 6'], measure });
    expect(l.fontSize).toBe(20);
    expect(l.padLeft).toBe(192);
    // one line of 20 px, plus twice the line spacing (10)
    expect(l.padTop).toBe(40);
    expect([l.width, l.height]).toEqual([3 * 256 + 192, 2 * 256 + 40]);
    expect(l.cells[4]).toEqual({ x: 192 + 256, y: 40 + 256 });
    expect(l.texts.filter((t) => t.kind === 'col').map((t) => [t.text, t.x, t.y])).toEqual([
      ['Seed: 1', 192 + 128, 20],
      ['Seed: 2', 192 + 256 + 128, 20],
      ['Seed: 3', 192 + 512 + 128, 20],
    ]);
    expect(l.texts.filter((t) => t.kind === 'row').map((t) => [t.text, t.x, t.y])).toEqual([
      ['Steps: 5', 96, 40 + 128],
      ['Steps: 6', 96, 40 + 256 + 128],
    ]);
  });
  it('no row labels: no margin; no column labels: no top band; margins between cells', () => {
    const l = gridLayout({ cellWidth: 100, cellHeight: 100, cols: 2, rows: 2, colLabels: ['', ''], rowLabels: ['', ''], measure, margin: 6 });
    expect([l.padLeft, l.padTop, l.width, l.height, l.texts.length]).toEqual([0, 0, 206, 206, 0]);
    expect(l.cells[3]).toEqual({ x: 106, y: 106 });
  });
  it('wraps a long label into lines within the column', () => {
    expect(wrapWords('Hypernetwork: stripes-long', 150, (s) => s.length * 10)).toEqual(['Hypernetwork:', 'stripes-long']);
    const l = gridLayout({ cellWidth: 150, cellHeight: 100, cols: 1, rows: 1, colLabels: ['Hypernetwork: stripes-long'], rowLabels: [''], measure });
    // font 10, spacing 5: two lines 10 + 5 + 10 = 25, band 25 + 10
    expect(l.padTop).toBe(35);
    expect(l.texts.map((t) => t.y)).toEqual([5 + 5, 5 + 15 + 5]);
  });
});

describe('grid parameters', () => {
  const axes: [ParsedAxis, ParsedAxis, ParsedAxis] = [
    { type: 'Seed', text: '1, -1', values: [1, 5], fixedSeeds: [1, 5] },
    { type: 'Hypernet str.', text: '0-1 [3]', values: [0, 0.5, 1], fixedSeeds: null },
    { type: 'Steps', text: '4,5', values: [4, 5], fixedSeeds: null },
  ];
  const first = 'a cat <hypernet:stripes:0>\nNegative prompt: dog\nSteps: 4, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64';
  it('the first cell with Script, the axis types, the values as typed and the fixed seeds', () => {
    expect(xyzGridInfotext(first, axes, { withZ: true })).toBe(
      'a cat <hypernet:stripes:0>\nNegative prompt: dog\nSteps: 4, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64, Script: X/Y/Z plot, X Type: Seed, X Values: "1, -1", Fixed X Values: "1, 5", Y Type: Hypernet str., Y Values: 0-1 [3], Z Type: Steps, Z Values: "4,5"',
    );
    expect(xyzGridInfotext(first, axes, { withZ: false })).not.toContain('Z Type');
  });
});
