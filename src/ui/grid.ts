/**
 * A sweep's images as one labelled PNG grid (one row, the strength under each image) with A1111 `parameters`
 * describing the sweep. Small images are scaled up (nearest neighbour) so the labels stay legible.
 */
import { sweepGridInfotext } from '../core/diffusion/infotext.ts';
import { internalError, StudioError } from '../core/errors.ts';
import { encodePng } from '../core/formats/png.ts';
import type { ResultImage } from '../state/generation-types.ts';

const LABEL_HEIGHT = 28;
const GAP = 4;
const MIN_CELL = 128;

export function sweepGridPng(images: readonly ResultImage[], hypernetwork: string): Blob {
  const first = images[0];
  if (!first) throw internalError('a sweep grid needs images');
  const scale = Math.max(1, Math.ceil(MIN_CELL / first.width));
  const cellW = first.width * scale;
  const cellH = first.height * scale;
  const width = images.length * cellW + (images.length - 1) * GAP;
  const height = cellH + LABEL_HEIGHT;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new StudioError('backend-unavailable', 'This browser gives no 2D canvas to draw the grid on.');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
  const cell = document.createElement('canvas');
  for (const [i, image] of images.entries()) {
    cell.width = image.width;
    cell.height = image.height;
    const pixels = new ImageData(image.width, image.height);
    pixels.data.set(image.rgba);
    cell.getContext('2d')!.putImageData(pixels, 0, 0);
    const x = i * (cellW + GAP);
    ctx.drawImage(cell, x, 0, cellW, cellH);
    ctx.fillStyle = '#111111';
    ctx.font = '16px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(`${hypernetwork} ${image.strength ?? ''}`, x + cellW / 2, cellH + LABEL_HEIGHT / 2);
  }
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const strengths = images.map((r) => r.strength ?? 0);
  const png = encodePng({ width, height, data: rgba }, { parameters: sweepGridInfotext(first.infotext, hypernetwork, strengths) });
  return new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

export function gridFileName(images: readonly ResultImage[]): string {
  const first = images[0];
  return first ? `grid-${String(first.number).padStart(5, '0')}-${first.seed}.png` : 'grid.png';
}
