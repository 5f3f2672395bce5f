/**
 * The X/Y/Z plot's grids drawn on a canvas as A1111 draws them (`core/diffusion/xyz/grid-layout.ts`): one grid per
 * Z value with the X labels on top and the Y labels on the left, and for several Z values a combined grid of them
 * side by side under their Z labels. Small images are scaled up (nearest neighbour) so the labels, whose size
 * follows the cell, stay legible. The PNG carries A1111's grid `parameters`.
 */
import { xyzGridInfotext } from '../core/diffusion/xyz/grid-infotext.ts';
import { gridLayout } from '../core/diffusion/xyz/grid-layout.ts';
import { internalError, StudioError } from '../core/errors.ts';
import { encodePng } from '../core/formats/png.ts';
import type { XyzResult } from '../state/actions/xyz-state.ts';
import type { ResultImage } from '../state/generation-types.ts';

/** Cells narrower than this are scaled up by a whole factor. */
export const MIN_CELL = 256;

const FONT = 'system-ui, sans-serif';

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new StudioError('backend-unavailable', 'This browser gives no 2D canvas to draw the grid on.');
  return ctx;
}

/** Draws cells (row-major, all one size) under column labels and beside row labels. */
function drawLabelled(sources: readonly CanvasImageSource[], cellWidth: number, cellHeight: number, colLabels: readonly string[], rowLabels: readonly string[]): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const ctx = context(canvas);
  const measure = (text: string, fontSize: number) => {
    ctx.font = `${fontSize}px ${FONT}`;
    return { width: ctx.measureText(text).width, height: fontSize };
  };
  const layout = gridLayout({ cellWidth, cellHeight, cols: colLabels.length, rows: rowLabels.length, colLabels, rowLabels, measure });
  canvas.width = layout.width;
  canvas.height = layout.height;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, layout.width, layout.height);
  ctx.imageSmoothingEnabled = false;
  for (const [i, source] of sources.entries()) {
    const at = layout.cells[i];
    if (at) ctx.drawImage(source, at.x, at.y, cellWidth, cellHeight);
  }
  ctx.fillStyle = '#000000';
  ctx.font = `${layout.fontSize}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const t of layout.texts) ctx.fillText(t.text, t.x, t.y);
  return canvas;
}

function imageCanvas(image: ResultImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const pixels = new ImageData(image.width, image.height);
  pixels.data.set(image.rgba);
  context(canvas).putImageData(pixels, 0, 0);
  return canvas;
}

/** The sub-grid of one Z value: X across, Y down. */
export function drawZGrid(result: XyzResult, iz: number): HTMLCanvasElement {
  const cells = result.cells.filter((c) => c.iz === iz);
  const first = cells[0]?.image;
  if (!first) throw internalError('an X/Y/Z grid needs images');
  const scale = Math.max(1, Math.ceil(MIN_CELL / first.width));
  const [xs, ys] = result.labels;
  return drawLabelled(cells.map((c) => imageCanvas(c.image)), first.width * scale, first.height * scale, xs, ys);
}

/** The grid A1111 shows first: with one Z value its sub-grid, else the sub-grids in a row under their Z labels. */
export function drawMainGrid(result: XyzResult): HTMLCanvasElement {
  const zs = result.labels[2];
  if (zs.length === 1) return drawZGrid(result, 0);
  const grids = zs.map((_, iz) => drawZGrid(result, iz));
  return drawLabelled(grids, grids[0]!.width, grids[0]!.height, zs, ['']);
}

function pngOf(canvas: HTMLCanvasElement, parameters: string): Blob {
  const rgba = context(canvas).getImageData(0, 0, canvas.width, canvas.height).data;
  const png = encodePng({ width: canvas.width, height: canvas.height, data: rgba }, { parameters });
  return new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/** The main grid as a PNG whose `parameters` are the first cell's with the X, Y and Z axes. */
export function mainGridPng(result: XyzResult): Blob {
  const first = result.cells[0];
  if (!first) throw internalError('an X/Y/Z grid needs images');
  return pngOf(drawMainGrid(result), xyzGridInfotext(first.image.infotext, result.axes, { withZ: true }));
}

/** One Z value's grid as a PNG (X and Y axes in its `parameters`, as A1111's sub-grids). */
export function zGridPng(result: XyzResult, iz: number): Blob {
  const first = result.cells.find((c) => c.iz === iz);
  if (!first) throw internalError('an X/Y/Z grid needs images');
  return pngOf(drawZGrid(result, iz), xyzGridInfotext(first.image.infotext, result.axes, { withZ: false }));
}

/** xyz_grid-00007-42.png: A1111's grid prefix, the first cell's number and seed. */
export function xyzGridFileName(result: XyzResult, iz?: number): string {
  const first = result.cells[0]?.image;
  const base = first ? `xyz_grid-${String(first.number).padStart(5, '0')}-${first.seed}` : 'xyz_grid';
  return `${base}${iz === undefined ? '' : `-z${iz + 1}`}.png`;
}
