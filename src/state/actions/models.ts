/**
 * Actions of the models slice: the only code that asks the engine to load or unload a pipeline. Loads are
 * serialized (the engine holds one pipeline) and the latest request wins: an older one still queued is skipped.
 */
import type { ProgressEvent } from '../../core/progress.ts';
import type { LoadOptions } from '../../engine/api.ts';
import { getEngine, onEngineLost } from '../../engine/client.ts';
import { losesModel, toUiError } from '../errors.ts';
import { BACKEND_CHOICES, DEMO_MODEL, type BackendChoice, type LoadStep, type ModelSpec } from '../model-types.ts';
import { useStudio } from '../store.ts';
import { cancelGeneration, whenIdle } from './run-control.ts';
import { forgetAppliedStack, syncStack } from './stack-sync.ts';

/** Networks warmed up at load (`compile` events), in the order the engine reports them. */
const WARMUP_NETWORKS = 3;
/** Share of the load bar given to reading files; the rest is shader warm-up. */
const FILES_SHARE = 0.6;

let loadToken = 0;
let loading: Promise<void> = Promise.resolve();

/**
 * What the page's address asks for: `?backend=wasm|webgpu|auto` and `?model=<folder URL>` (`?model=none`: load
 * nothing at start, e.g. for inspector-only sessions and tests).
 */
export function startupRequest(search: string): { spec: ModelSpec | null; backend: BackendChoice } {
  const query = new URLSearchParams(search);
  const asked = query.get('backend');
  const backend = BACKEND_CHOICES.find((c) => c.value === asked)?.value ?? 'auto';
  const folder = query.get('model');
  if (!folder) return { spec: DEMO_MODEL, backend };
  if (folder === 'none') return { spec: null, backend };
  const name = folder.replace(/\/+$/, '').split('/').pop() || folder;
  return { spec: { kind: 'url', name, baseUrl: folder.endsWith('/') ? folder : `${folder}/` }, backend };
}

/** Loads the model the address asks for (the demo by default). */
export function startStudio(search: string): Promise<void> {
  const { spec, backend } = startupRequest(search);
  if (!spec) {
    useStudio.setState((s) => ({ model: { ...s.model, backendChoice: backend } }));
    return Promise.resolve();
  }
  return loadModel(spec, backend);
}

/**
 * Loads `spec` on `backend` (both default to the current ones), replacing the current pipeline. A generation
 * in flight is cancelled first. Resolves when this load is done (ready or error), never rejects.
 */
export function loadModel(spec?: ModelSpec, backend?: BackendChoice): Promise<void> {
  const current = useStudio.getState().model;
  const target = spec ?? current.spec ?? DEMO_MODEL;
  const choice = backend ?? current.backendChoice;
  const token = ++loadToken;
  const loadedName = sameSource(current.spec, target) ? (current.info?.name ?? null) : null;
  useStudio.setState((s) => ({
    model: { ...s.model, spec: target, backendChoice: choice, status: 'loading', step: { phase: 'start' }, fraction: 0, error: null },
  }));
  loading = loading.then(() => runLoad(token, target, choice, loadedName));
  return loading;
}

/** Loads the current model again (after a lost device, a crash or a failed load). */
export function reloadModel(): Promise<void> {
  return loadModel();
}

/**
 * Loads the current model again, planned and warmed up at `width`×`height` (a refused load's "smaller size"
 * fix): the form takes that size, marked as this model's so the load uses it.
 */
export function loadAtSize(width: number, height: number): Promise<void> {
  const spec = useStudio.getState().model.spec;
  useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, width, height }, sizeModel: spec?.name ?? s.generation.sizeModel } }));
  return loadModel();
}

/** The backend selector: reloads the current model on the chosen backend. */
export function setBackendChoice(choice: BackendChoice): Promise<void> {
  return loadModel(undefined, choice);
}

/**
 * The one subscriber to the engine's loss event (a lost GPU device, a crashed worker): a loaded model is gone,
 * and after a device loss it is loaded again at once; the form, stack and gallery are kept.
 */
onEngineLost(({ cause, message }) => {
  if (useStudio.getState().model.status !== 'ready') return; // a load in flight fails by itself
  forgetAppliedStack();
  useStudio.setState((s) => ({
    model: { ...s.model, status: 'lost', step: null, fraction: 0, info: null, error: { code: cause === 'crashed' ? 'engine-crashed' : 'device-lost', message, details: {} } },
  }));
  if (cause === 'device-lost') void reloadModel();
});

/** The same model folder (a reload or a backend change), whatever the engine named it. */
function sameSource(a: ModelSpec | null, b: ModelSpec): boolean {
  if (!a || a.kind !== b.kind) return false;
  if (a.kind === 'url') return a.baseUrl === (b as typeof a).baseUrl;
  if (a.kind === 'installed') return a.id === (b as typeof a).id;
  return a.files === (b as typeof a).files;
}

/**
 * The size the load plans for and warms up at: the form's, when it was set for this model or typed before any
 * model loaded (a size kept from another model may be off this one's size grid, and the load resets the form to
 * the model's default then); else the
 * engine's default, the model's own size. `loadedName`: what the engine called this model when it last held it.
 */
export function loadOptionsFor(spec: ModelSpec, loadedName: string | null): LoadOptions | undefined {
  const { params, sizeModel } = useStudio.getState().generation;
  // no model has set the form's size yet: a size there is the user's own (typed, or kept from the last session)
  const forThisModel = sizeModel === null || sizeModel === spec.name || sizeModel === loadedName;
  if (!forThisModel || params.width === null || params.height === null) return undefined;
  return { width: params.width, height: params.height };
}

async function runLoad(token: number, spec: ModelSpec, backend: BackendChoice, loadedName: string | null): Promise<void> {
  if (token !== loadToken) return; // a newer load was asked for while this one waited
  if (useStudio.getState().generation.status !== 'idle') {
    await cancelGeneration();
    await whenIdle();
  }
  let compiled = 0;
  const onProgress = (event: ProgressEvent) => {
    if (token !== loadToken) return;
    let step: LoadStep | null = null;
    let fraction = 0;
    if (event.phase === 'load') {
      step = event;
      fraction = (event.index / event.files) * FILES_SHARE;
    } else if (event.phase === 'compile') {
      step = { phase: 'compile', model: event.model, index: compiled, models: WARMUP_NETWORKS };
      fraction = FILES_SHARE + (compiled / WARMUP_NETWORKS) * (1 - FILES_SHARE);
      compiled += 1;
    }
    if (step) useStudio.setState((s) => ({ model: { ...s.model, step, fraction } }));
  };
  try {
    forgetAppliedStack(); // a new pipeline starts with the base U-Net
    const info = await getEngine().loadModel(spec, backend, onProgress, loadOptionsFor(spec, loadedName));
    if (token !== loadToken) return;
    useStudio.setState((s) => {
      const previous = s.model.info;
      const { params } = s.generation;
      const sizeFits = (v: number | null) => v !== null && v % info.sizeStep === 0;
      const sameModel = (previous?.name ?? s.generation.sizeModel) === info.name;
      const keep = sameModel && sizeFits(params.width) && sizeFits(params.height);
      return {
        model: { ...s.model, status: 'ready', step: null, fraction: 1, info, error: null },
        generation: {
          ...s.generation,
          params: keep ? params : { ...params, width: info.defaultSize, height: info.defaultSize },
          sizeModel: info.name,
          // a "no model" or lost-model error shown in the output panel is resolved by this load
          error: s.generation.error && (losesModel(s.generation.error) || s.generation.error.code === 'no-model') ? null : s.generation.error,
        },
      };
    });
    // the stack the panel shows applies to the new model too
    void syncStack();
  } catch (e) {
    if (token !== loadToken) return;
    useStudio.setState((s) => ({ model: { ...s.model, status: 'error', step: null, fraction: 0, info: null, error: toUiError(e) } }));
  }
}

/** Releases the loaded pipeline (GPU memory included). */
export async function unloadModel(): Promise<void> {
  ++loadToken;
  await loading;
  await getEngine().unloadModel();
  forgetAppliedStack();
  useStudio.setState((s) => ({ model: { ...s.model, status: 'idle', step: null, fraction: 0, info: null, error: null } }));
}
