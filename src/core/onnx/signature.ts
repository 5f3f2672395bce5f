/**
 * Input/output names, dtypes and dynamic dims of the pipeline's networks, read from session metadata:
 * exporters disagree on names, dim names and the timestep dtype, so nothing is hard-coded
 * (docs/browser-sd-notes.md §1).
 */
import { StudioError } from '../errors.ts';
import type { OrtSession, OrtValueMetadata } from './ort.ts';

type TensorMeta = Extract<OrtValueMetadata, { isTensor: true }>;
export type Dim = number | string;

export interface TensorSlot {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly Dim[];
}

function tensors(list: readonly OrtValueMetadata[]): TensorSlot[] {
  return list.filter((m): m is TensorMeta => m.isTensor).map((m) => ({ name: m.name, type: m.type, shape: m.shape }));
}

function pick(list: TensorSlot[], names: string[], fallback: (t: TensorSlot) => boolean, what: string, model: string): TensorSlot {
  const found = list.find((t) => names.includes(t.name)) ?? list.find(fallback);
  if (!found) {
    throw new StudioError('unsupported-model', `The ${model} has no ${what} (inputs: ${list.map((t) => t.name).join(', ') || 'none'}).`);
  }
  return found;
}

const isFloat = (t: TensorSlot): boolean => t.type === 'float32' || t.type === 'float16';

export interface UnetSignature {
  readonly sample: TensorSlot;
  readonly timestep: TensorSlot;
  readonly context: TensorSlot;
  readonly output: TensorSlot;
  /** the batch dim of `sample` is symbolic: cond and uncond can run as one batch of 2 */
  readonly dynamicBatch: boolean;
  /** text width the U-Net expects (768 for SD1), when static */
  readonly contextWidth: number | null;
}

export function unetSignature(session: OrtSession): UnetSignature {
  const inputs = tensors(session.inputMetadata);
  const outputs = tensors(session.outputMetadata);
  const sample = pick(inputs, ['sample'], (t) => isFloat(t) && t.shape.length === 4, 'latent input (sample)', 'U-Net');
  const context = pick(inputs, ['encoder_hidden_states'], (t) => isFloat(t) && t.shape.length === 3, 'text input (encoder_hidden_states)', 'U-Net');
  const timestep = pick(inputs, ['timestep', 'timesteps', 't'], (t) => t !== sample && t !== context, 'timestep input', 'U-Net');
  if (!['float32', 'float16', 'int64', 'int32'].includes(timestep.type)) {
    throw new StudioError('unsupported-model', `The U-Net's timestep input is ${timestep.type}; expected float32, float16, int64 or int32.`);
  }
  const output = pick(outputs, ['out_sample'], isFloat, 'output', 'U-Net');
  const width = context.shape[2];
  return { sample, timestep, context, output, dynamicBatch: typeof sample.shape[0] !== 'number', contextWidth: typeof width === 'number' ? width : null };
}

export interface TextEncoderSignature {
  readonly inputIds: TensorSlot;
  readonly hidden: TensorSlot;
}

export function textEncoderSignature(session: OrtSession): TextEncoderSignature {
  const inputs = tensors(session.inputMetadata);
  const inputIds = pick(inputs, ['input_ids'], (t) => t.type.startsWith('int'), 'input_ids', 'text encoder');
  if (inputIds.type !== 'int32' && inputIds.type !== 'int64') throw new StudioError('unsupported-model', `The text encoder's input_ids are ${inputIds.type}.`);
  const hidden = pick(tensors(session.outputMetadata), ['last_hidden_state'], (t) => isFloat(t) && t.shape.length === 3, 'last_hidden_state output', 'text encoder');
  return { inputIds, hidden };
}

export interface VaeDecoderSignature {
  readonly latent: TensorSlot;
  readonly image: TensorSlot;
}

export function vaeDecoderSignature(session: OrtSession): VaeDecoderSignature {
  const latent = pick(tensors(session.inputMetadata), ['latent_sample'], (t) => isFloat(t) && t.shape.length === 4, 'latent_sample input', 'VAE decoder');
  const image = pick(tensors(session.outputMetadata), ['sample'], (t) => isFloat(t) && t.shape.length === 4, 'sample output', 'VAE decoder');
  return { latent, image };
}

export interface VaeEncoderSignature {
  readonly image: TensorSlot;
  /** `latent_sample` (older Optimum: a sample, made the mean by deterministic-sample.ts) or `latent_parameters` (mean and log-variance) */
  readonly latent: TensorSlot;
  /** true when the output holds the distribution's parameters (2·C channels: mean, then log-variance) */
  readonly parameters: boolean;
}

export function vaeEncoderSignature(session: OrtSession): VaeEncoderSignature {
  const image = pick(tensors(session.inputMetadata), ['sample'], (t) => isFloat(t) && t.shape.length === 4, 'sample input', 'VAE encoder');
  const latent = pick(tensors(session.outputMetadata), ['latent_sample', 'latent_parameters'], (t) => isFloat(t) && t.shape.length === 4, 'latent output', 'VAE encoder');
  return { image, latent, parameters: latent.name === 'latent_parameters' };
}
