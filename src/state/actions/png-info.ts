/**
 * PNG Info: a PNG dropped on the page (or picked) restores its A1111 parameters into the form, and its
 * `<hypernet:name:mult>` tags set the stack (matched by file stem among the loaded hypernetworks). Hypernetworks
 * the PNG names but the library lacks are listed plainly.
 */
import { readPngText } from '../../core/formats/png.ts';
import { isStudioError } from '../../core/errors.ts';
import { SAMPLER_LABELS } from '../generation-types.ts';
import { paramsFromInfotext } from '../png-info.ts';
import type { PngInfoReport } from '../session-types.ts';
import { useStudio } from '../store.ts';
import { setParams } from './generation.ts';
import { addHypernetworkFiles } from './hypernetworks.ts';
import { applyPromptTags } from './prompt.ts';
import { entryForName } from './stack.ts';
import { entryMismatch } from './stack-sync.ts';

function report(pngInfo: PngInfoReport | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, pngInfo } }));
}

export function dismissPngInfo(): void {
  report(null);
}

export function isPngFile(file: File): boolean {
  return file.type === 'image/png' || /\.png$/i.test(file.name);
}

/** Dropped or picked files: PNGs go to PNG Info (the last one wins), the rest to the hypernetwork library. */
export function addDroppedFiles(files: Iterable<File>): Promise<void> {
  const all = [...files];
  const pngs = all.filter(isPngFile);
  const others = all.filter((f) => !isPngFile(f));
  const jobs: Promise<void>[] = [];
  if (others.length) jobs.push(addHypernetworkFiles(others));
  const last = pngs.at(-1);
  if (last) jobs.push(importPngInfo(last));
  return Promise.all(jobs).then(() => undefined);
}

/** Reads a PNG's `parameters` and applies them. Never rejects: the outcome is in `session.pngInfo`. */
export async function importPngInfo(file: File): Promise<void> {
  let text: string | undefined;
  try {
    text = readPngText(new Uint8Array(await file.arrayBuffer())).parameters;
  } catch (e) {
    const why = isStudioError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return report({ fileName: file.name, ok: false, restored: [], missing: [], applied: [], notes: [`${file.name} could not be read: ${why}`] });
  }
  if (!text) {
    return report({
      fileName: file.name,
      ok: false,
      restored: [],
      missing: [],
      applied: [],
      notes: [`${file.name} has no A1111 "parameters" text chunk (it was not saved by A1111 or this app, or its metadata was stripped).`],
    });
  }
  applyInfotext(text, file.name);
}

/** Applies A1111 `parameters` text to the form and the stack; returns (and stores) what happened. */
export function applyInfotext(text: string, fileName: string): PngInfoReport {
  const parsed = paramsFromInfotext(text, SAMPLER_LABELS);
  const notes = [...parsed.notes];
  const loaded = useStudio.getState().model.info;
  if (loaded && parsed.model.name && parsed.model.name !== loaded.name) {
    notes.push(`It was made with the model "${parsed.model.name}"${parsed.model.hash ? ` (hash ${parsed.model.hash})` : ''}; "${loaded.name}" is loaded, so the image will differ.`);
  } else if (loaded && parsed.model.hash && loaded.modelHash && parsed.model.hash !== loaded.modelHash) {
    notes.push(`Its model hash ${parsed.model.hash} differs from the loaded model's ${loaded.modelHash}.`);
  }
  // the prompt's tags select and set the stack: exactly its tags, every other entry switched off
  setParams(parsed.patch);
  applyPromptTags(parsed.patch.prompt);
  const state = useStudio.getState();
  const named = new Set<string>();
  const applied: { name: string; strength: number }[] = [];
  const missing: string[] = [];
  for (const tag of parsed.hypernets) {
    const id = entryForName(state, tag.name);
    if (id === undefined) {
      if (!missing.includes(tag.name)) missing.push(tag.name);
      continue;
    }
    if (named.has(id)) continue;
    named.add(id);
    applied.push({ name: tag.name, strength: tag.multiplier });
    const mismatch = entryMismatch(state, id);
    if (mismatch) notes.push(`${tag.name}: ${mismatch}`);
  }
  const result: PngInfoReport = { fileName, ok: true, restored: parsed.restored, missing, applied, notes };
  report(result);
  return result;
}
