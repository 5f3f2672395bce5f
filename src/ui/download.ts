/** Saves a result as a PNG file through a temporary link (the bytes never leave the page). */
import { resultPng } from '../state/actions/generation.ts';
import type { ResultImage } from '../state/generation-types.ts';

export function downloadResult(image: ResultImage): void {
  downloadBlob(resultPng(image), image.fileName);
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // the download has started by now; revoking later still lets slow browsers read it
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
