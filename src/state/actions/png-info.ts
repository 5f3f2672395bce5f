/**
 * PNG Info: a PNG dropped on the page (or picked) is read and shown first — its parameters text, what it would
 * set, its hypernetworks and what cannot be applied — as A1111's PNG Info tab does. "Send to txt2img" restores
 * its A1111 parameters into the form, and its `<hypernet:name:mult>` tags set the stack (matched by file stem
 * among the loaded hypernetworks); "Send to img2img" does the same and makes the PNG itself the input image.
 * Hypernetworks the PNG names but the library lacks are listed plainly. The PNG is read and its text parsed in
 * the parse worker (`engine/parse-client.ts`): a hostile PNG costs the page thread nothing.
 */
import type { Infotext } from '../../core/diffusion/infotext.ts';
import { isStudioError } from '../../core/errors.ts';
import { getParser, type PngParameters } from '../../engine/parse-client.ts';
import { SAMPLER_LABELS } from '../generation-types.ts';
import { paramsFromInfotext } from '../png-info.ts';
import { IMG2IMG_SOURCE_NOTE } from '../png-info-fields.ts';
import type { GenerationMode } from '../generation-types.ts';
import type { ImageDecoder } from '../init-image.ts';
import type { PngInfoPreview, PngInfoReport } from '../session-types.ts';
import { useStudio } from '../store.ts';
import { setParams } from './generation.ts';
import { isCheckpointPart } from '../../core/checkpoint/companions.ts';
import { importCheckpointFiles } from './checkpoint-import.ts';
import { addHypernetworkFiles } from './hypernetworks.ts';
import { setInitImageFile, setMode } from './img2img.ts';
import { applyPromptTags } from './prompt.ts';
import { entryForName } from './stack.ts';
import { entryMismatch } from './stack-sync.ts';

function report(pngInfo: PngInfoReport | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, pngInfo, pngInfoPreview: null } }));
}

/** The PNG behind the preview (a File stays out of the store: it is not state to render or persist). */
let pending: { info: Infotext; file: File; notes: string[] } | null = null;

function preview(pngInfoPreview: PngInfoPreview): void {
  useStudio.setState((s) => ({ session: { ...s.session, pngInfo: null, pngInfoPreview } }));
}

export function dismissPngInfo(): void {
  pending = null;
  report(null);
}

export function isPngFile(file: File): boolean {
  return file.type === 'image/png' || /\.png$/i.test(file.name);
}

/**
 * Dropped or picked files: PNGs go to PNG Info (the last one wins), an A1111 checkpoint (with its .yaml/.vae) to the
 * converter, the rest to the hypernetwork library.
 */
export function addDroppedFiles(files: Iterable<File>): Promise<void> {
  const all = [...files];
  const pngs = all.filter(isPngFile);
  const checkpoint = all.filter((f) => !isPngFile(f) && isCheckpointPart(f));
  const others = all.filter((f) => !isPngFile(f) && !isCheckpointPart(f));
  const jobs: Promise<void>[] = [];
  if (others.length) jobs.push(addHypernetworkFiles(others));
  if (checkpoint.length) jobs.push(importCheckpointFiles(checkpoint));
  const last = pngs.at(-1);
  if (last) jobs.push(importPngInfo(last));
  return Promise.all(jobs).then(() => undefined);
}

/** Images larger than this are not read (no image A1111 writes comes near it). */
const MAX_PNG_BYTES = 1 << 30;

/** Reads a PNG's `parameters` and shows what sending them would do. Never rejects: the outcome is in the session. */
export async function importPngInfo(file: File): Promise<void> {
  pending = null;
  let read: PngParameters;
  try {
    if (file.size > MAX_PNG_BYTES) throw new Error(`it is ${file.size} bytes, more than PNG Info reads`);
    read = await getParser().readPngParameters(await file.arrayBuffer());
  } catch (e) {
    const why = isStudioError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return report({ fileName: file.name, ok: false, restored: [], missing: [], applied: [], notes: [`${file.name} could not be read: ${why}`] });
  }
  const skipped = read.problems.map((p) => `Skipped ${p.keyword ? `the "${p.keyword}" ${p.chunk} chunk` : `a ${p.chunk} chunk`}: ${p.message}`);
  if (!read.info) {
    return report({
      fileName: file.name,
      ok: false,
      restored: [],
      missing: [],
      applied: [],
      notes: [`${file.name} has no A1111 "parameters" text chunk (it was not saved by A1111 or this app, or its metadata was ${skipped.length ? 'damaged' : 'stripped'}).`, ...skipped],
    });
  }
  pending = { info: read.info, file, notes: skipped };
  const state = useStudio.getState();
  const parsed = paramsFromInfotext(read.info, SAMPLER_LABELS, state.generation.params);
  preview({
    fileName: file.name,
    parameters: read.parameters ?? '',
    willSet: parsed.restored,
    hypernets: parsed.hypernets.map((t) => ({ name: t.name, strength: t.multiplier, present: entryForName(state, t.name) !== undefined })),
    unapplied: parsed.unapplied,
    notes: [...parsed.notes, ...skipped, ...modelNotes(parsed)],
  });
}

/**
 * A1111's "Send to txt2img" / "Send to img2img" of the PNG in the preview: its parameters applied (the report
 * says what was), the tab switched, and for img2img the PNG itself made the input image.
 */
export async function sendPngInfo(target: GenerationMode, decode?: ImageDecoder): Promise<void> {
  const sent = pending;
  if (!sent) return;
  pending = null;
  const result = applyInfotext(sent.info, sent.file.name, sent.notes, target);
  setMode(target);
  if (target !== 'img2img') return;
  await setInitImageFile(sent.file, decode);
  // the image it started from is still not in the PNG, but the PNG itself is now the input image
  const notes = result.notes.map((n) => (n === IMG2IMG_SOURCE_NOTE ? 'It was made with img2img; the image it started from is not in the PNG, so the PNG itself is the input image now.' : n));
  report({ ...result, notes });
}

/** What the loaded model means for an image made with another (or with more clip skip than it has). */
function modelNotes(parsed: ReturnType<typeof paramsFromInfotext>): string[] {
  const notes: string[] = [];
  const loaded = useStudio.getState().model.info;
  const clipSkip = parsed.patch.clipSkip;
  if (loaded && clipSkip !== undefined && clipSkip > loaded.clipSkipMax) notes.push(`Clip skip ${clipSkip} is more than "${loaded.name}" has layers for (${loaded.clipSkipMax}); generating will say so.`);
  if (loaded && parsed.model.name && parsed.model.name !== loaded.name) {
    notes.push(`It was made with the model "${parsed.model.name}"${parsed.model.hash ? ` (hash ${parsed.model.hash})` : ''}; "${loaded.name}" is loaded, so the image will differ.`);
  } else if (loaded && parsed.model.hash && loaded.modelHash && parsed.model.hash !== loaded.modelHash) {
    notes.push(`Its model hash ${parsed.model.hash} differs from the loaded model's ${loaded.modelHash}.`);
  }
  return notes;
}

/** Applies A1111 `parameters` text (or text the parse worker parsed) to the form and the stack; returns (and stores) what happened. */
export function applyInfotext(text: string | Infotext, fileName: string, extraNotes: readonly string[] = [], target: GenerationMode = 'txt2img'): PngInfoReport {
  const parsed = paramsFromInfotext(text, SAMPLER_LABELS, useStudio.getState().generation.params, target);
  const notes = [...parsed.notes, ...extraNotes, ...modelNotes(parsed)];
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
  const result: PngInfoReport = { fileName, ok: true, restored: parsed.restored, missing, applied, notes, unapplied: parsed.unapplied };
  report(result);
  return result;
}
