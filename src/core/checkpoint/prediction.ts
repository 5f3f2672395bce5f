/**
 * Whether an SD 2.x U-Net predicts noise (epsilon) or velocity (v), decided as A1111 decides it for a checkpoint
 * without a .yaml (`is_using_v_parameterization_for_sd2`): run the U-Net once on x = 0.5 everywhere [1, 4, 8, 8]
 * at timestep 999 with a 0.5-filled two-token context, and call it v-prediction when mean(output − x) < −1.
 */
import type { Backend } from '../onnx/ort.ts';
import type { Runtime } from '../onnx/runtime.ts';
import type { GraphPackage } from '../onnx/weights.ts';
import type { Prediction } from './architecture.ts';

export interface ProbeResult {
  readonly prediction: Prediction;
  /** A1111's statistic: mean(unet(x) − x) */
  readonly value: number;
}

export async function probeVPrediction(runtime: Runtime, unet: GraphPackage, backend: Backend): Promise<ProbeResult> {
  const { ort } = runtime;
  const session = await runtime.createSession(unet, { backend });
  try {
    const ctxMeta = session.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
    const width = ctxMeta?.isTensor ? ctxMeta.shape[2] : undefined;
    if (typeof width !== 'number') throw new Error('the U-Net has no static encoder_hidden_states width');
    const x = new Float32Array(4 * 8 * 8).fill(0.5);
    const out = await session.run({
      sample: new ort.Tensor('float32', x, [1, 4, 8, 8]),
      timestep: new ort.Tensor('float32', Float32Array.of(999), []),
      encoder_hidden_states: new ort.Tensor('float32', new Float32Array(2 * width).fill(0.5), [1, 2, width]),
    });
    const y = (await out.out_sample!.getData()) as Float32Array;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]! - x[i]!;
    const value = sum / y.length;
    return { prediction: value < -1 ? 'v_prediction' : 'epsilon', value };
  } finally {
    await session.release();
  }
}
