/**
 * The U-Net and the hypernetworks in it. Surgery starts from the U-Net's skeleton (its graph with every weight
 * referenced, ~1 MB for SD1.5), so it never needs the weights in memory: the patched graph names the same
 * weight files and embeds only the hypernetworks' MLPs. A new session is made only when the set, order or
 * structure of the stack changes; strengths are graph inputs, fed per call by the generation.
 */
import type { Hypernetwork } from '../../hypernetwork/types.ts';
import { prepareUnet, strengthInputName, type PatchReport, type PreparedUnet } from '../../onnx/index.ts';
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

  /**
   * Puts `stack` into the U-Net, in order; only a change of the set, order or structure rebuilds sessions. The
   * old sessions are released before the new ones are made, so the GPU never holds two U-Nets (an SD1.5 U-Net is
   * 1.7–3.4 GB); if the new one cannot be made, the plain U-Net is restored and the error thrown.
   */
  async apply(stack: readonly Hypernetwork[], onProgress?: ProgressFn): Promise<StackChange> {
    const same = stack.length === this.stack.length && stack.every((hn, i) => hn === this.stack[i]);
    if (same) return { report: this.report, rebuilt: false };
    // surgery first: a graph the hypernetworks cannot go into leaves the current U-Net as it is
    // (one strength per batch row when the export batches: a sweep then needs no other session)
    const prepared = stack.length ? prepareUnet(this.net.skeleton, stack.map((hypernetwork) => ({ hypernetwork })), { strengthShape: this.unet.sig.dynamicBatch ? 'batch' : 'scalar' }) : null;
    // a new session reads the U-Net's weights again (seconds for SD1.5): say so
    onProgress?.({ phase: 'compile', model: stack.length ? 'U-Net with hypernetworks' : 'U-Net' });
    await this.releaseSessions();
    try {
      await this.createSessions(prepared);
    } catch (e) {
      // whatever half of the pair was made goes; the plain U-Net comes back (if even that fails, the error says why)
      await this.releaseSessions().catch(() => undefined);
      if (prepared) await this.createSessions(null).catch(() => undefined);
      throw e;
    }
    this.stack = prepared ? stack : [];
    this.report = prepared?.report ?? null;
    return { report: this.report, rebuilt: true };
  }

  /** the U-Net session in `unet` was released and not replaced yet */
  private released = false;

  private async releaseSessions(): Promise<void> {
    const old = [this.released ? null : this.unet, this.contextModel];
    this.released = true;
    this.contextModel = null;
    this.stack = [];
    this.report = null;
    await Promise.all(old.map((m) => m?.session.release()));
  }

  /** The U-Net's sessions: plain (`prepared` null), or patched with its context model. */
  private async createSessions(prepared: PreparedUnet | null): Promise<void> {
    const ort = this.runtime.ort;
    const backend = this.backend;
    if (!prepared) {
      this.unet = new UnetModel(ort, await this.runtime.createSession(packageOf(this.net), { backend }));
      this.released = false;
      this.sessionCreations++;
      return;
    }
    // the skeleton's weights are all external already; anything prepareUnet still references is mounted from memory
    const files = new Map(this.net.files);
    for (const { path, data } of prepared.externalData) files.set(path, memoryWeightFile(data));
    this.unet = new UnetModel(ort, await this.runtime.createSession({ what: 'the U-Net with hypernetworks', graph: prepared.model, files }, { backend }));
    this.released = false;
    this.sessionCreations++;
    if (prepared.context) {
      this.contextModel = new ContextModel(ort, await this.runtime.createSession({ what: 'the hypernetwork context model', graph: prepared.context, files: new Map() }, { backend }));
      this.sessionCreations++;
    }
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
    await this.releaseSessions();
  }
}

/** `data` repeated `times` times, end to end. */
function repeat(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}
