/**
 * The VAE encoder (img2img's init image, the hires fix's image upscalers): image in [-1, 1] → the latent
 * distribution's mean, unscaled. Opened only when a request needs it, so txt2img never reads its weights.
 * What the exports output and why the mean is taken: docs/img2img-hires.md §8.
 */
import { StudioError } from '../../errors.ts';
import { float32ToHalf, halfToFloat32 } from '../../onnx/float16.ts';
import { decodeModel, encodeModel } from '../../onnx/proto.ts';
import { withoutRandomSampling } from '../../onnx/deterministic-sample.ts';
import type { Ort, OrtSession } from '../../onnx/ort.ts';
import { runtimeError } from '../../onnx/runtime-errors.ts';
import { vaeEncoderSignature, type VaeEncoderSignature } from '../../onnx/signature.ts';
import type { ModelSource } from './model-source.ts';
import { openNetwork, packageOf, withPrecision, type NetworkGraph } from './network-graph.ts';
import { gib, type BackendPlan } from './memory-plan.ts';
import type { Runtime } from '../../onnx/runtime.ts';
import { halfShare } from '../../onnx/weights.ts';
import type { GraphPackage } from '../../onnx/weights.ts';

export const VAE_ENCODER_DIR = 'vae_encoder';

/** The encoder folder's graph, or a `no-vae-encoder` error naming the model and what needed it. */
export async function openVaeEncoder(source: ModelSource, purpose: string): Promise<NetworkGraph> {
  const file = await source.open(`${VAE_ENCODER_DIR}/model.onnx`);
  if (!file) {
    throw new StudioError('no-vae-encoder', `${purpose} needs the model's VAE encoder, and "${source.name}" has no ${VAE_ENCODER_DIR}/model.onnx. Export the model with Optimum's ONNX layout including vae_encoder, or use a latent upscaler / txt2img.`, { path: `${VAE_ENCODER_DIR}/model.onnx` });
  }
  return openNetwork(source, VAE_ENCODER_DIR, 'the VAE encoder');
}

/** The graph to run: random sampling replaced by its mean (a graph without random ops is used as it is). */
export function deterministicEncoder(net: NetworkGraph): GraphPackage {
  const model = decodeModel(net.skeleton);
  return withoutRandomSampling(model) > 0 ? packageOf(net, encodeModel(model)) : packageOf(net);
}

/**
 * The encoder's session, made when first needed, under the plan the model was loaded by: fp16 weights upcast
 * where the plan upcasts, and refused (`model-too-large`) when its weights would push the WASM heap over.
 */
export async function createVaeEncoder(runtime: Runtime, source: ModelSource, plan: BackendPlan, latentChannels: number, purpose: string): Promise<VaeEncoderModel> {
  let net = await openVaeEncoder(source, purpose);
  if (plan.upcast && halfShare(net.stats) > 0) net = withPrecision(net, 'upcast').net;
  const bytes = net.stats.totalBytes * (plan.backend === 'wasm' && halfShare(net.stats) > 0 ? 2 : 1);
  if (plan.limitBytes !== null && plan.totalBytes + bytes > plan.limitBytes) {
    const reason = `The VAE encoder's ${gib(bytes)} of weights on top of the model's ${gib(plan.totalBytes)} exceed ${plan.backend}'s ${gib(plan.limitBytes)}.`;
    throw new StudioError('model-too-large', `${reason} ${purpose} cannot run on this backend.`, { backend: plan.backend, reasons: [reason], limits: [] });
  }
  return new VaeEncoderModel(runtime.ort, await runtime.createSession(deterministicEncoder(net), { backend: plan.backend }), latentChannels);
}

export class VaeEncoderModel {
  private readonly sig: VaeEncoderSignature;
  constructor(
    private readonly ort: Ort,
    readonly session: OrtSession,
    private readonly latentChannels: number,
  ) {
    this.sig = vaeEncoderSignature(session);
  }

  /** The latent mean [1, C, H/8, W/8] (unscaled) of an image [1, 3, H, W] in [-1, 1]. */
  async encode(image: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }> {
    const input = this.sig.image.type === 'float16' ? new this.ort.Tensor('float16', float32ToHalf(image), dims) : new this.ort.Tensor('float32', image, dims);
    let out;
    try {
      out = await this.session.run({ [this.sig.image.name]: input });
    } catch (e) {
      throw runtimeError(e, 'the VAE encoder');
    }
    const t = out[this.sig.latent.name];
    if (!t) throw new StudioError('unsupported-model', 'The VAE encoder produced no output.');
    const raw = (await t.getData(true)) as Float32Array | Uint16Array;
    const data = raw instanceof Uint16Array ? halfToFloat32(raw) : Float32Array.from(raw);
    const [n = 1, c = 0, h = 0, w = 0] = t.dims;
    const channels = this.sig.parameters ? c / 2 : c;
    if (channels !== this.latentChannels) throw new StudioError('unsupported-model', `The VAE encoder gives ${c} channels; the U-Net takes ${this.latentChannels}${this.sig.parameters ? ' (mean and log-variance: twice that)' : ''}.`);
    if (!this.sig.parameters) return { data, dims: [n, c, h, w] };
    // mean, then log-variance, along the channels (diffusers' DiagonalGaussianDistribution chunks dim 1)
    const mean = new Float32Array(n * channels * h * w);
    for (let b = 0; b < n; b++) mean.set(data.subarray(b * c * h * w, (b * c + channels) * h * w), b * channels * h * w);
    return { data: mean, dims: [n, channels, h, w] };
  }
}

/** The encoder made on first use and kept; a failed open is forgotten, so a later request tries again. */
export class LazyVaeEncoder {
  private pending: Promise<VaeEncoderModel> | null = null;
  constructor(private readonly open: (purpose: string) => Promise<VaeEncoderModel>) {}

  async get(purpose: string): Promise<VaeEncoderModel> {
    this.pending ??= this.open(purpose);
    try {
      return await this.pending;
    } catch (e) {
      this.pending = null;
      throw e;
    }
  }

  /** Frees the session if one was made. */
  async release(): Promise<void> {
    await this.pending?.then((e) => e.session.release()).catch(() => undefined);
  }
}
