/**
 * The networks as they will run, decided at load: fp16 weights widened to fp32 where the plan upcasts (an
 * adapter without shader-f16), and an fp16 U-Net of a model that needs it given fp32 attention scores
 * (`upcastAttention`). Each change is listed for the load report.
 */
import { halfShare } from '../../onnx/weights.ts';
import type { BackendPlan } from './memory-plan.ts';
import { withPrecision, withUpcastAttention, type NetworkGraph, type PrecisionChange } from './network-graph.ts';
import { needsUpcastAttention, type OpenedModel } from './open-model.ts';

export interface RunnableNetworks {
  readonly nets: { readonly unet: NetworkGraph; readonly textEncoder: NetworkGraph; readonly vae: NetworkGraph };
  readonly conversions: PrecisionChange[];
}

export function runnableNetworks(model: OpenedModel, plan: Pick<BackendPlan, 'upcast'>): RunnableNetworks {
  const conversions: PrecisionChange[] = [];
  const widen = (net: NetworkGraph): NetworkGraph => {
    if (!plan.upcast || halfShare(net.stats) === 0) return net;
    const converted = withPrecision(net, 'upcast');
    conversions.push(converted.report);
    return converted.net;
  };
  const unet = ((): NetworkGraph => {
    const ready = widen(model.networks.unet);
    if (halfShare(ready.stats) === 0 || !needsUpcastAttention(model)) return ready;
    const upcast = withUpcastAttention(ready);
    if (!upcast) return ready;
    conversions.push(upcast.report);
    return upcast.net;
  })();
  return { nets: { unet, textEncoder: widen(model.networks.textEncoder), vae: widen(model.networks.vae) }, conversions };
}
