import { describe, expect, it } from 'vitest';
import { CHECKPOINT_CKPT_BYTES, isCheckpointPart, pickCheckpoint } from './companions.ts';

const f = (name: string, size = 10) => ({ name, size });

describe('checkpoint drops', () => {
  it('routes safetensors, checkpoint-size .ckpt and companions to the converter; .pt and small .ckpt stay hypernetworks', () => {
    expect(isCheckpointPart(f('v1-5-pruned-emaonly.safetensors'))).toBe(true);
    expect(isCheckpointPart(f('model.ckpt', CHECKPOINT_CKPT_BYTES))).toBe(true);
    expect(isCheckpointPart(f('anime.yaml'))).toBe(true);
    expect(isCheckpointPart(f('anime.vae.pt'))).toBe(true);
    expect(isCheckpointPart(f('stripes.pt'))).toBe(false);
    expect(isCheckpointPart(f('renamed-hypernetwork.ckpt', 80 * 1024 ** 2))).toBe(false);
  });

  it("pairs a checkpoint with A1111's <stem>.yaml and <stem>.vae.*", () => {
    const drop = pickCheckpoint([f('other.yaml'), f('anime.vae.safetensors'), f('anime.safetensors'), f('anime.yaml')]);
    expect(drop).toEqual({ checkpoint: f('anime.safetensors'), config: f('anime.yaml'), vae: f('anime.vae.safetensors') });
  });

  it('takes a lone companion whatever its name, and nothing when there is none', () => {
    expect(pickCheckpoint([f('sd21.ckpt'), f('v2-inference-v.yaml')])).toEqual({ checkpoint: f('sd21.ckpt'), config: f('v2-inference-v.yaml'), vae: null });
    expect(pickCheckpoint([f('sd15.safetensors')])).toEqual({ checkpoint: f('sd15.safetensors'), config: null, vae: null });
  });

  it('refuses no checkpoint or two at once with a bad-request', () => {
    expect(() => pickCheckpoint([f('a.yaml')])).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => pickCheckpoint([f('a.safetensors'), f('b.safetensors')])).toThrow(/one checkpoint at a time/);
  });
});
