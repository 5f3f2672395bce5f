import { beforeEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../core/errors.ts';
import type { ModelInfo } from '../../engine/api.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { deferred, demoInfo, engine, resetEngine } from '../../../test/support/fake-engine.ts';

// The real client starts a Worker; these tests only check what the actions do with its answers.
vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { loadAtSize, loadModel, reloadModel, setBackendChoice, startStudio, startupRequest } = await import('./models.ts');
const { generate } = await import('./generation.ts');

const model = () => useStudio.getState().model;

beforeEach(() => {
  resetStudio();
  resetEngine();
});

describe('startupRequest', () => {
  it('loads the demo on Auto by default', () => {
    expect(startupRequest('')).toEqual({ spec: DEMO_MODEL, backend: 'auto' });
  });

  it('reads ?backend= and ?model=, ignoring an unknown backend', () => {
    expect(startupRequest('?backend=wasm&model=/models/other')).toEqual({
      spec: { kind: 'url', name: 'other', baseUrl: '/models/other/' },
      backend: 'wasm',
    });
    expect(startupRequest('?backend=webgpu').backend).toBe('webgpu');
    expect(startupRequest('?backend=cuda').backend).toBe('auto');
    expect(startupRequest('?model=none').spec).toBeNull();
    expect(startupRequest('?model=/models/does-not-exist/').spec).toEqual({ kind: 'url', name: 'does-not-exist', baseUrl: '/models/does-not-exist/' });
  });
});

describe('loadModel', () => {
  it('?model=none loads nothing but keeps the backend choice', async () => {
    await startStudio('?model=none&backend=wasm');
    expect(engine.loadModel).not.toHaveBeenCalled();
    expect(model()).toMatchObject({ status: 'idle', backendChoice: 'wasm', spec: null });
  });

  it('shows the load phases with a growing fraction, then the backend in use', async () => {
    const seen: { phase: string; fraction: number }[] = [];
    const unsubscribe = useStudio.subscribe((s) => {
      if (s.model.status === 'loading' && s.model.step) seen.push({ phase: s.model.step.phase, fraction: s.model.fraction });
    });
    await startStudio('?backend=webgpu');
    unsubscribe();

    expect(engine.loadModel).toHaveBeenCalledWith(DEMO_MODEL, 'webgpu', expect.any(Function), undefined);
    expect(seen.map((s) => s.phase)).toEqual(['start', 'load', 'load', 'compile', 'compile']);
    const fractions = seen.map((s) => s.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(model()).toMatchObject({ status: 'ready', backendChoice: 'webgpu', step: null, fraction: 1, error: null });
    expect(model().info).toMatchObject({ backend: 'webgpu', adapter: 'google swiftshader' });
  });

  it("sets the size fields to the model's default size", async () => {
    engine.loadModel.mockResolvedValueOnce(demoInfo({ defaultSize: 512 }));
    await loadModel(DEMO_MODEL, 'wasm');
    expect(useStudio.getState().generation.params).toMatchObject({ width: 512, height: 512 });
  });

  it('keeps a size the user chose when the same model is reloaded', async () => {
    await loadModel(DEMO_MODEL, 'wasm');
    useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, width: 128 } } }));
    await setBackendChoice('webgpu');
    expect(useStudio.getState().generation.params.width).toBe(128);
  });

  it("plans and warms up at the form's size when it was set for this model, else at the model's own", async () => {
    await loadModel(DEMO_MODEL, 'wasm');
    expect(engine.loadModel.mock.calls[0]![3]).toBeUndefined(); // nothing chosen yet: the engine's default
    useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, width: 128, height: 96 } } }));
    await setBackendChoice('webgpu');
    expect(engine.loadModel).toHaveBeenLastCalledWith(DEMO_MODEL, 'webgpu', expect.any(Function), { width: 128, height: 96 });
    // another model: the form's size was checked against the demo's size grid, not this one's
    await loadModel({ kind: 'url', name: 'other', baseUrl: '/other/' });
    expect(engine.loadModel.mock.calls.at(-1)![3]).toBeUndefined();
  });

  it('a size typed before any model loaded is the one the first load plans for', async () => {
    useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, width: 96, height: 64 } } }));
    await loadModel(DEMO_MODEL, 'wasm');
    expect(engine.loadModel.mock.calls[0]![3]).toEqual({ width: 96, height: 64 });
  });

  it('a refused load is retried at a smaller size, which the form takes and the engine plans for', async () => {
    const big = { kind: 'url' as const, name: 'sd15', baseUrl: '/sd15/' };
    engine.loadModel.mockRejectedValueOnce(new StudioError('model-too-large', 'too big', { limits: [{ kind: 'gpu-attention', width: 512, height: 512, side: 448 }] }));
    await loadModel(big, 'webgpu');
    expect(engine.loadModel.mock.calls[0]![3]).toBeUndefined(); // the model's own size
    expect(model()).toMatchObject({ status: 'error', error: { code: 'model-too-large' } });
    engine.loadModel.mockResolvedValueOnce(demoInfo({ name: 'sd15', defaultSize: 512, sizeStep: 64 })); // the engine names it as the spec does
    await loadAtSize(448, 448);
    expect(engine.loadModel).toHaveBeenLastCalledWith(big, 'webgpu', expect.any(Function), { width: 448, height: 448 });
    expect(useStudio.getState().generation.params).toMatchObject({ width: 448, height: 448 });
  });

  it('keeps the typed error of a failed load, with its message', async () => {
    engine.loadModel.mockRejectedValueOnce(
      new StudioError('missing-file', 'The model folder "x" has no unet/model.onnx (the U-Net).', { path: 'unet/model.onnx' }),
    );
    await loadModel({ kind: 'url', name: 'x', baseUrl: '/models/x/' }, 'auto');
    expect(model()).toMatchObject({ status: 'error', info: null, spec: { name: 'x' } });
    expect(model().error).toEqual({
      code: 'missing-file',
      message: 'The model folder "x" has no unet/model.onnx (the U-Net).',
      details: { path: 'unet/model.onnx' },
    });
  });

  it('runs loads one at a time and the latest request wins', async () => {
    const first = deferred<ModelInfo>();
    engine.loadModel.mockImplementationOnce(() => first.promise);
    const a = loadModel(DEMO_MODEL, 'webgpu');
    await vi.waitFor(() => expect(engine.loadModel).toHaveBeenCalledTimes(1));
    const b = setBackendChoice('wasm');
    const c = setBackendChoice('auto');
    await new Promise((r) => setTimeout(r, 10));
    expect(engine.loadModel).toHaveBeenCalledTimes(1); // b and c wait for a: the engine holds one pipeline
    expect(model()).toMatchObject({ status: 'loading', backendChoice: 'auto' });
    first.resolve(demoInfo({ backend: 'webgpu', adapter: 'gpu' }));
    await Promise.all([a, b, c]);
    // a's answer is stale (a newer load was asked for) and not shown; b was skipped; c loaded
    expect(engine.loadModel.mock.calls.map((call) => call[1])).toEqual(['webgpu', 'auto']);
    expect(model()).toMatchObject({ status: 'ready', backendChoice: 'auto', info: { backend: 'wasm' } });
  });

  it('requests made in the same tick load only the last one', async () => {
    await Promise.all([loadModel(DEMO_MODEL, 'webgpu'), setBackendChoice('wasm')]);
    expect(engine.loadModel.mock.calls.map((call) => call[1])).toEqual(['wasm']);
  });

  it('cancels a generation in flight before loading', async () => {
    await loadModel(DEMO_MODEL, 'wasm');
    const run = deferred<never>();
    engine.generate.mockImplementationOnce(() => run.promise);
    engine.cancel.mockImplementationOnce(async () => run.reject(new StudioError('cancelled', 'Generation was cancelled.')));
    const running = generate();
    const load = setBackendChoice('webgpu');
    await Promise.all([running, load]);
    expect(engine.cancel).toHaveBeenCalledTimes(1);
    expect(useStudio.getState().generation).toMatchObject({ status: 'idle', error: { code: 'cancelled' } });
    expect(model()).toMatchObject({ status: 'ready', backendChoice: 'webgpu' });
  });

  it('reloadModel loads the same model on the same backend again, at the size it ran at', async () => {
    await loadModel({ kind: 'url', name: 'm', baseUrl: '/m/' }, 'wasm');
    await reloadModel();
    // the engine named it sd-shapes-demo, and the form took its default size 64×64
    expect(engine.loadModel).toHaveBeenLastCalledWith({ kind: 'url', name: 'm', baseUrl: '/m/' }, 'wasm', expect.any(Function), { width: 64, height: 64 });
  });
});
