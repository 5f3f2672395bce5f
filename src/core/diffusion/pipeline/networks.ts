/**
 * The three networks of a Stable Diffusion pipeline as typed calls over onnxruntime sessions: text encoder,
 * U-Net (eps prediction, cond and uncond batched when the export allows) and VAE decoder.
 */
import { StudioError } from '../../errors.ts';
import { float32ToHalf, halfToFloat32 } from '../../onnx/float16.ts';
import { CLIP_SKIP_INPUT } from '../../onnx/clip-skip.ts';
import { runtimeError } from '../../onnx/runtime-errors.ts';
import type { Ort, OrtSession, OrtTensor } from '../../onnx/ort.ts';
import type { HeldTensor, TensorResidency } from '../../onnx/residency.ts';
import { textEncoderSignature, unetSignature, vaeDecoderSignature, type TensorSlot, type UnetSignature } from '../../onnx/signature.ts';

async function run(session: OrtSession, feeds: Record<string, OrtTensor>, what: string): Promise<Awaited<ReturnType<OrtSession['run']>>> {
  try {
    return await session.run(feeds);
  } catch (e) {
    throw runtimeError(e, what);
  }
}

/** Reads an output as float32 (downloading it when it lives on the GPU), then frees it. */
async function readFloat(t: OrtTensor | undefined, what: string): Promise<Float32Array> {
  if (!t) throw new StudioError('unsupported-model', `${what} produced no output.`);
  const data = (await t.getData(true)) as Float32Array | Uint16Array;
  return data instanceof Uint16Array ? halfToFloat32(data) : Float32Array.from(data);
}

function floatTensor(ort: Ort, slot: TensorSlot, data: Float32Array, dims: readonly number[]): OrtTensor {
  return slot.type === 'float16' ? new ort.Tensor('float16', float32ToHalf(data), dims) : new ort.Tensor('float32', data, dims);
}

export class TextEncoderModel {
  private readonly sig;
  /** hidden width (768 for SD1) */
  readonly width: number;
  private readonly layers: number | null;
  constructor(
    private readonly ort: Ort,
    readonly session: OrtSession,
    /** layers the graph's `clip_skip` input chooses from, null when it has none */
    layers: number | null = null,
  ) {
    this.layers = session.inputNames.includes(CLIP_SKIP_INPUT) ? layers : null;
    this.sig = textEncoderSignature(session);
    const w = this.sig.hidden.shape[2];
    if (typeof w !== 'number') throw new StudioError('unsupported-model', 'The text encoder output width is not static.');
    this.width = w;
  }

  /** the graph takes `clip_skip` (see core/onnx/clip-skip.ts); its layer count, else null */
  get clipSkipLayers(): number | null {
    return this.layers;
  }

  /**
   * Hidden states [chunks·77, width] for 77-id chunks (one run per chunk, as A1111 encodes them), from the
   * `clipSkip`-th layer from the end (1: the last), through the final layer norm.
   */
  async encode(chunks: readonly (readonly number[])[], clipSkip = 1): Promise<Float32Array> {
    if (clipSkip !== 1 && this.layers === null) throw new StudioError('bad-request', 'This text encoder cannot skip layers (its layers could not be found), so clip skip must be 1.');
    const tokens = chunks[0]?.length ?? 77;
    const out = new Float32Array(chunks.length * tokens * this.width);
    for (const [i, ids] of chunks.entries()) {
      const input = this.sig.inputIds.type === 'int64'
        ? new this.ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length])
        : new this.ort.Tensor('int32', Int32Array.from(ids), [1, ids.length]);
      const feeds: Record<string, OrtTensor> = { [this.sig.inputIds.name]: input };
      if (this.layers !== null) feeds[CLIP_SKIP_INPUT] = new this.ort.Tensor('int64', BigInt64Array.of(BigInt(clipSkip)), []);
      const result = await run(this.session, feeds, 'the text encoder');
      out.set(await readFloat(result[this.sig.hidden.name], 'The text encoder'), i * tokens * this.width);
    }
    return out;
  }
}

export class UnetModel {
  readonly sig: UnetSignature;
  constructor(
    private readonly ort: Ort,
    readonly session: OrtSession,
  ) {
    this.sig = unetSignature(session);
  }

  get latentChannels(): number {
    const c = this.sig.sample.shape[1];
    return typeof c === 'number' ? c : 4;
  }

  private timestep(t: number, batch: number): OrtTensor {
    const { type, shape, name } = this.sig.timestep;
    // Optimum exports a scalar; older exports take [batch] or [1]
    const dims = shape.length === 0 ? [] : [typeof shape[0] === 'number' ? shape[0] : batch];
    const n = dims.length ? dims[0]! : 1;
    switch (type) {
      case 'float32':
        return new this.ort.Tensor('float32', new Float32Array(n).fill(t), dims);
      case 'float16':
        return new this.ort.Tensor('float16', float32ToHalf(new Float32Array(n).fill(t)), dims);
      case 'int64':
        // integer exports cannot take A1111's fractional timesteps: round, as older pipelines did
        return new this.ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(t))), dims);
      default:
        if (type !== 'int32') throw new StudioError('unsupported-model', `U-Net timestep input ${name} is ${type}.`);
        return new this.ort.Tensor('int32', new Int32Array(n).fill(Math.round(t)), dims);
    }
  }

  /**
   * The context-like inputs (`encoder_hidden_states`, and the hypernetwork K/V contexts when the graph has them)
   * of every call of one generation, held once by `residency` (uploaded once on WebGPU). `cond` and `uncond` map
   * input names to [tokens, width] arrays, or [n, tokens, width] for n images (e.g. a strength sweep); cond and
   * uncond run as one batch of 2n when the export's batch dim is dynamic, else as two runs. Dispose the result
   * when the generation ends, is cancelled or fails.
   */
  holdContexts(cond: ContextFeeds, uncond: ContextFeeds | null, images: number, tokens: number, residency: TensorResidency): UnetContexts {
    const held: HeldTensor[] = [];
    const hold = (contexts: ContextFeeds, batch: number): HeldFeeds => {
      const feeds: HeldFeeds = {};
      for (const [name, data] of Object.entries(contexts)) {
        const dims = [batch, tokens, data.length / (batch * tokens)];
        const t = this.sig.context.type === 'float16' ? residency.hold('float16', float32ToHalf(data), dims) : residency.hold('float32', data, dims);
        held.push(t);
        feeds[name] = t;
      }
      return feeds;
    };
    let calls: UnetContexts['calls'];
    try {
      if (!uncond) calls = { kind: 'cond', cond: hold(cond, images) };
      else if (this.sig.dynamicBatch) calls = { kind: 'batched', both: hold(concatFeeds(cond, uncond), 2 * images) };
      else calls = { kind: 'separate', cond: hold(cond, images), uncond: hold(uncond, images) };
    } catch (e) {
      for (const t of held) t.dispose();
      throw e;
    }
    const perRun = held.reduce((sum, t) => sum + t.bytesPerRun, 0);
    return {
      calls,
      residency: residency.where,
      bytes: held.reduce((sum, t) => sum + t.bytes, 0),
      bytesPerEval: perRun,
      dispose: () => {
        for (const t of held) t.dispose();
      },
    };
  }

  /**
   * Predicted noise for latent x [1, C, h, w] at timestep t with the contexts of `holdContexts` (cond only, or
   * cond and uncond) and the hypernetworks' strengths, if the graph has any. With dims [n, C, h, w] (n images)
   * the batch is n (cond only) or 2n (cond images, then uncond images); that needs a dynamic batch dim.
   */
  async eps(x: Float32Array, dims: readonly number[], t: number, contexts: UnetContexts, strengths: StrengthFeeds | null = null): Promise<{ cond: Float32Array; uncond?: Float32Array }> {
    const call = async (batch: number, sample: Float32Array, held: HeldFeeds): Promise<Float32Array> => {
      const feeds: Record<string, OrtTensor> = {
        ...(strengths ? strengthTensors(this.ort, strengths, batch) : {}),
        [this.sig.sample.name]: floatTensor(this.ort, this.sig.sample, sample, [batch, ...dims.slice(1)]),
        [this.sig.timestep.name]: this.timestep(t, batch),
      };
      for (const [name, h] of Object.entries(held)) feeds[name] = h.feed();
      const out = await run(this.session, feeds, 'the U-Net');
      return readFloat(out[this.sig.output.name], 'The U-Net');
    };
    const n = dims[0] ?? 1;
    if (n > 1 && !this.sig.dynamicBatch) throw new StudioError('unsupported-model', 'This U-Net export has a fixed batch size; images must run one at a time.');
    const { calls } = contexts;
    switch (calls.kind) {
      case 'cond':
        return { cond: await call(n, x, calls.cond) };
      case 'batched': {
        const sample = new Float32Array(2 * x.length);
        sample.set(x);
        sample.set(x, x.length);
        const both = await call(2 * n, sample, calls.both);
        return { cond: both.subarray(0, x.length), uncond: both.subarray(x.length) };
      }
      case 'separate':
        return { cond: await call(n, x, calls.cond), uncond: await call(n, x, calls.uncond) };
    }
  }
}

/** Held context tensors of one U-Net call, by input name. */
type HeldFeeds = Record<string, HeldTensor>;

/** The context inputs of one generation's U-Net calls, held for all its steps (see `UnetModel.holdContexts`). */
export interface UnetContexts {
  readonly calls:
    | { readonly kind: 'cond'; readonly cond: HeldFeeds }
    | { readonly kind: 'batched'; readonly both: HeldFeeds }
    | { readonly kind: 'separate'; readonly cond: HeldFeeds; readonly uncond: HeldFeeds };
  /** where they live */
  readonly residency: 'cpu' | 'gpu';
  /** bytes held */
  readonly bytes: number;
  /** context bytes copied from the CPU to the device per eps() evaluation (0 when resident on the GPU) */
  readonly bytesPerEval: number;
  dispose(): void;
}

/** Strength inputs by name; `perImage` inputs are `[batch]`, the others `[1]`. */
export interface StrengthFeeds {
  readonly perImage: boolean;
  /** input name → one value (every image) or one per image of the call's cond half */
  readonly values: Readonly<Record<string, readonly number[]>>;
}

/**
 * The strength tensors of one call of `batch` rows. Per-image values repeat over the batch (the uncond half
 * of a CFG batch gets the same strengths as its cond image); scalar inputs take the first value.
 */
export function strengthTensors(ort: Ort, feeds: StrengthFeeds, batch: number): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const [name, values] of Object.entries(feeds.values)) {
    if (!feeds.perImage) {
      out[name] = new ort.Tensor('float32', Float32Array.of(values[0] ?? 1), [1]);
      continue;
    }
    const data = new Float32Array(batch);
    for (let k = 0; k < batch; k++) data[k] = values[k % values.length] ?? 1;
    out[name] = new ort.Tensor('float32', data, [batch]);
  }
  return out;
}

/** Context-like U-Net inputs by name, each [tokens, width] for one conditioning. */
export type ContextFeeds = Record<string, Float32Array>;

function concatFeeds(a: ContextFeeds, b: ContextFeeds): ContextFeeds {
  const out: ContextFeeds = {};
  for (const [name, first] of Object.entries(a)) {
    const second = b[name]!;
    const both = new Float32Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);
    out[name] = both;
  }
  return out;
}

/**
 * The hypernetworks' cross-attention K/V chains as a small separate model: every attn2 layer reads the same
 * text states, so they run once per prompt (and per strength change) instead of inside every U-Net step.
 */
export class ContextModel {
  constructor(
    private readonly ort: Ort,
    readonly session: OrtSession,
  ) {}

  /**
   * The K and V contexts for text states [tokens, width] of one conditioning, by U-Net input name; or for
   * `batch` conditionings stacked [batch, tokens, width] (with per-image strengths, a strength sweep).
   */
  async run(context: Float32Array, tokens: number, strengths: Record<string, OrtTensor>, batch = 1): Promise<ContextFeeds> {
    const name = this.session.inputNames.find((n) => !Object.hasOwn(strengths, n))!;
    // its text input has the U-Net's precision (float16 for an fp16 U-Net)
    const meta = this.session.inputMetadata.find((m) => m.name === name);
    const slot = { name, type: meta?.isTensor ? meta.type : 'float32', shape: [] };
    const feeds: Record<string, OrtTensor> = { ...strengths, [name]: floatTensor(this.ort, slot, context, [batch, tokens, context.length / (batch * tokens)]) };
    const out = await run(this.session, feeds, 'the hypernetwork context model');
    const result: ContextFeeds = {};
    // its outputs are named after the U-Net inputs they feed (hypernetwork_context_k / _v)
    for (const name of this.session.outputNames) result[name] = await readFloat(out[name], 'The context model');
    return result;
  }
}

export class VaeDecoderModel {
  private readonly sig;
  constructor(
    private readonly ort: Ort,
    readonly session: OrtSession,
  ) {
    this.sig = vaeDecoderSignature(session);
  }

  /** Decoded image [1, 3, H, W] in [-1, 1] for a scaled latent [1, C, h, w]. */
  async decode(latent: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }> {
    const out = await run(this.session, { [this.sig.latent.name]: floatTensor(this.ort, this.sig.latent, latent, dims) }, 'the VAE decoder');
    const t = out[this.sig.image.name];
    const data = await readFloat(t, 'The VAE decoder');
    return { data, dims: [...(t?.dims ?? [])] };
  }
}
