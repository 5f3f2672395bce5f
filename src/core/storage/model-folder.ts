/**
 * Which files of a dropped or picked folder make a model, and whether they are all there and well formed,
 * checked before a byte is copied so the user learns at once what to fix.
 */
import { MODEL_FILES, REQUIRED_FILES } from '../diffusion/pipeline/model-source.ts';
import { StudioError } from '../errors.ts';
import { isSafePath } from './manifest.ts';
import type { SourceFile } from './storage-fs.ts';

/** Network folders: each a `model.onnx` and the weight files it names, stored re-sharded (import-model.ts). */
export const NETWORK_FOLDERS = ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'] as const;

/** Folders the pipeline reads; others (safety_checker, feature_extractor, …) are not copied, to save space. */
const USED_FOLDERS: readonly string[] = [...NETWORK_FOLDERS, 'tokenizer', 'scheduler'];

/** JSON files that must parse as an object when present (required ones are checked for presence too). */
const JSON_FILES = [MODEL_FILES.modelIndex, MODEL_FILES.scheduler, MODEL_FILES.vocab, MODEL_FILES.unetConfig, MODEL_FILES.vaeConfig, 'text_encoder/config.json'];

/** Larger "JSON" than this is not a config: it is not read for validation (the load would reject it). */
const MAX_VALIDATED_TEXT = 64 * 1024 * 1024;

export interface ModelFolder {
  /** the folder's own name (the model's default name) */
  name: string;
  /** the files to copy, with paths relative to the folder */
  files: SourceFile[];
  totalBytes: number;
}

/**
 * Strips the folder's own name from the paths browsers report (`webkitRelativePath` is `folder/unet/…`) and
 * keeps the files the pipeline uses. `fallbackName` names a folder whose files came without a common root.
 */
export function selectModelFiles(files: readonly SourceFile[], fallbackName = 'model'): ModelFolder {
  const paths = files.map((f) => f.path.replace(/\\/g, '/').replace(/^\/+/, ''));
  const firstSegments = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  const [root] = firstSegments;
  // one common first folder that is not itself a model sub-folder: that is the picked folder
  const stripRoot = firstSegments.size === 1 && root !== undefined && root !== '' && !USED_FOLDERS.includes(root);
  const selected: SourceFile[] = [];
  files.forEach((file, i) => {
    const path = stripRoot ? paths[i]!.slice(root!.length + 1) : paths[i]!;
    if (!isSafePath(path)) return;
    const top = path.split('/')[0]!;
    if (path === MODEL_FILES.modelIndex || (USED_FOLDERS.includes(top) && path.includes('/'))) selected.push({ ...file, path });
  });
  selected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { name: stripRoot ? root! : fallbackName, files: selected, totalBytes: selected.reduce((n, f) => n + f.size, 0) };
}

/** One thing wrong with a folder, said plainly. */
export interface FolderProblem {
  path: string;
  problem: string;
}

/** Everything wrong with the folder (empty when it can be imported). Reads only the small JSON files. */
export async function findFolderProblems(folder: ModelFolder): Promise<FolderProblem[]> {
  const problems: FolderProblem[] = [];
  const byPath = new Map(folder.files.map((f) => [f.path, f]));
  for (const [path, what] of REQUIRED_FILES) {
    const file = byPath.get(path);
    if (!file) problems.push({ path, problem: `is missing (${what})` });
    else if (file.size === 0) problems.push({ path, problem: `is empty (${what})` });
  }
  for (const path of JSON_FILES) {
    const file = byPath.get(path);
    if (!file || file.size === 0 || file.size > MAX_VALIDATED_TEXT) continue;
    if (!(await isJsonObject(file))) problems.push({ path, problem: 'is not a valid JSON object' });
  }
  const merges = byPath.get(MODEL_FILES.merges);
  if (merges && merges.size > 0 && merges.size <= MAX_VALIDATED_TEXT && !(await merges.text()).includes(' ')) {
    problems.push({ path: MODEL_FILES.merges, problem: 'has no merge rules ("a b" pairs)' });
  }
  return problems;
}

/** Throws the folder's problems as one `missing-file` (something is absent) or `bad-model-folder` error. */
export async function validateModelFolder(folder: ModelFolder): Promise<void> {
  const problems = await findFolderProblems(folder);
  if (problems.length === 0) return;
  const missing = problems.some((p) => p.problem.startsWith('is missing'));
  const list = problems.map((p) => `${p.path} ${p.problem}`).join('; ');
  const hint = folder.files.length === 0 ? ' Nothing in it looks like a Stable Diffusion model: pick the folder that holds unet/, text_encoder/, …' : ' Export it with Optimum\'s ONNX layout.';
  throw new StudioError(missing ? 'missing-file' : 'bad-model-folder', `The folder "${folder.name}" cannot be imported: ${list}.${hint}`, {
    path: problems[0]!.path,
    problems,
  });
}

async function isJsonObject(file: SourceFile): Promise<boolean> {
  try {
    const value: unknown = JSON.parse(await file.text());
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
