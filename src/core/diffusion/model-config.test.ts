import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/outcome.ts';
import { modelGeometry } from './model-config.ts';
import { parseSchedulerConfig } from './schedulers/index.ts';

const DEMO = join(import.meta.dirname, '../../../public/models/sd-shapes-demo');
const json = (path: string) => JSON.parse(readFileSync(join(DEMO, path), 'utf8')) as Record<string, unknown>;


describe('model config ranges', () => {
  it('gives the demo model the sizes the pipeline derives (64 px, steps of 16)', () => {
    expect(modelGeometry(json('vae_decoder/config.json'), json('unet/config.json'))).toEqual({ vaeScale: 8, scalingFactor: 1.10567, defaultSize: 64, sizeStep: 16 });
    expect(modelGeometry({}, {})).toEqual({ vaeScale: 8, scalingFactor: 0.18215, defaultSize: 512, sizeStep: 8 });
  });

  it.each([
    [{}, { sample_size: 1e9 }],
    [{}, { sample_size: -64 }],
    [{}, { sample_size: 64.5 }],
    [{}, { sample_size: '64' }],
    [{ block_out_channels: new Array(40).fill(128) }, {}],
    [{ block_out_channels: 'wide' }, {}],
    [{ scaling_factor: Infinity }, {}],
    [{}, { block_out_channels: new Array(9).fill(320) }],
  ])('refuses %j / %j as a bad model folder', (vae, unet) => {
    expect(codeOf(() => modelGeometry(vae, unet))).toBe('bad-model-folder');
  });

  it('refuses a scheduler with 10^9 training steps or a config that is not JSON', () => {
    expect(codeOf(() => parseSchedulerConfig({ num_train_timesteps: 1e9 }))).toBe('bad-model-folder');
    expect(codeOf(() => parseSchedulerConfig('{"num_train_timesteps": 10'))).toBe('bad-model-folder');
    expect(parseSchedulerConfig({ num_train_timesteps: 1000 }).numTrainTimesteps).toBe(1000);
  });
});
