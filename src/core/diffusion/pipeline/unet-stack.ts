/**
 * The U-Net and the hypernetworks in it. Surgery starts from the U-Net's skeleton (its graph with every weight
 * referenced, ~1 MB for SD1.5), so it never needs the weights in memory: the patched graph names the same
 * weight files and embeds only the hypernetworks' MLPs. A new session is made only when the set, order or
 * structure of the stack changes; strengths are graph inputs, fed per call by the generation.
 */
import type { Hypernetwork } from '../../hypernetwork/types.ts';
import { prepareUnet, strengthInputName, type PatchReport } from '../../onnx/index.ts';
import type { Backend } from '../../onnx/ort.ts';
import type { Runtime } from '../../onnx/runtime.ts';
import type { ProgressFn } from '../../progress.ts';
import { memoryWeightFile } from '../../onnx/weights.ts';
import { ContextModel, strengthTensors, UnetModel, type ContextFeeds, type StrengthFeeds } from './networks.ts';
import { packageOf, type NetworkGraph } from './network-graph.ts';

export interface StackChange {
  /** what the patched graph touches; null without hypernetworks */
  readonly report: PatchReport | null;
  /** true when this call created new sessions (the set, order or structure changed) */
  readonly rebuilt: boolean;
}

export class UnetStack {
  private stack: readonly Hypernetwork[] = [];
  private contextModel: ContextModel | null = null;
  private report: PatchReport | null = null;
  /** sessions created (instrumented: moving a strength slider must create none) */
  sessionCreations = 1;

  private constructor(
    private readonly runtime: Runtime,
    private readonly backend: Backend,
    private readonly net: NetworkGraph,
    private unet: UnetModel,
  ) {}

  static async create(runtime: Runtime, backend: Backend, net: NetworkGraph): Promise<UnetStack> {
    return new UnetStack(runtime, backend, net, new UnetModel(runtime.ort, await runtime.createSession(packageOf(net), { backend })));
  }

  get model(): UnetModel {
    return this.unet;
  }

  get size(): number {
    return this.stack.length;
  }

  /** the patched U-Net takes one strength per batch row (`[batch]` inputs): sweeps batch in one call */
  get perImageStrength(): boolean {
    return this.stack.length > 0 && this.unet.sig.dynamicBatch;
  }

  /** Puts `stack` into the U-Net, in order; only a change of the set, order or structure rebuilds sessions. */
  async apply(stack: readonly Hypernetwork[], onProgress?: ProgressFn): Promise<StackChange> {
    const same = stack.length === this.stack.length && stack.every((hn, i) => hn === this.stack[i]);
    if (same) return { report: this.report, rebuilt: false };
    // a new session reads the U-Net's weights again (seconds for SD1.5): say so
    onProgress?.({ phase: 'compile', model: stack.length ? 'U-Net with hypernetworks' : 'U-Net' });
    const ort = this.runtime.ort;
    let unet: UnetModel;
    let contextModel: ContextModel | null = null;
    let report: PatchReport | null = null;
    if (stack.length === 0) {
      unet = new UnetModel(ort, await this.runtime.createSession(packageOf(this.net), { backend: this.backend }));
      this.sessionCreations++;
    } else {
      // one strength per batch row when the export batches: a sweep then needs no other session
      const prepared = prepareUnet(this.net.skeleton, stack.map((hypernetwork) => ({ hypernetwork })), { strengthShape: this.unet.sig.dynamicBatch ? 'batch' : 'scalar' });
      report = prepared.report;
      // the skeleton's weights are all external already; anything prepareUnet still references is mounted from memory
      const files = new Map(this.net.files);
      for (const { path, data } of prepared.externalData) files.set(path, memoryWeightFile(data));
      unet = new UnetModel(ort, await this.runtime.createSession({ what: 'the U-Net with hypernetworks', graph: prepared.model, files }, { backend: this.backend }));
      this.sessionCreations++;
      if (prepared.context) {
        contextModel = new ContextModel(ort, await this.runtime.createSession({ what: 'the hypernetwork context model', graph: prepared.context, files: new Map() }, { backend: this.backend }));
        this.sessionCreations++;
      }
    }
    const old = [this.unet, this.contextModel];
    this.unet = unet;
    this.contextModel = contextModel;
    this.stack = stack;
    this.report = report;
    await Promise.all(old.map((m) => m?.session.release()));
    return { report, rebuilt: true };
  }

  /**
   * The strength feeds of a call: the stack's strengths, or per image (`perImage[i]` lists one value per image
   * for hypernetwork i, as a sweep does). Null without hypernetworks.
   */
  strengthFeeds(perImage: readonly (readonly number[])[]): StrengthFeeds | null {
    if (this.stack.length === 0) return null;
    return { perImage: this.perImageStrength, values: Object.fromEntries(perImage.map((v, i) => [strengthInputName(i), v])) };
  }

  /**
   * U-Net context inputs for `images` conditionings (the same text states repeated): the text states, plus the
   * hypernetworks' K/V contexts at `strengths` (per image on a sweep).
   */
  async contextFeeds(context: Float32Array, tokens: number, images: number, strengths: StrengthFeeds | null): Promise<ContextFeeds> {
    const text = images === 1 ? context : repeat(context, images);
    const feeds: ContextFeeds = { [this.unet.sig.context.name]: text };
    if (this.contextModel && strengths) Object.assign(feeds, await this.contextModel.run(text, tokens, strengthTensors(this.runtime.ort, strengths, images), images));
    return feeds;
  }

  async release(): Promise<void> {
    await Promise.all([this.unet.session.release(), this.contextModel?.session.release()]);
  }
}

/** `data` repeated `times` times, end to end. */
function repeat(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}
