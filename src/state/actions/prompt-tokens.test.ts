import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ModelSpec } from '../../engine/api.ts';
import { useStudio } from '../store.ts';
import { startTokenCounter } from './prompt-tokens.ts';

const CLIP = join(import.meta.dirname, '../../../test/reference/diffusion/clip');
const model: ModelSpec = {
  kind: 'files',
  name: 'clip-only',
  files: {
    'tokenizer/vocab.json': new Blob([readFileSync(join(CLIP, 'vocab.json'))]),
    'tokenizer/merges.txt': new Blob([readFileSync(join(CLIP, 'merges.txt'))]),
  },
};

const setPrompt = (prompt: string) => useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, prompt } } }));
const counted = () => useStudio.getState().session.promptTokens;

describe('the prompt box token counter', () => {
  useStudio.setState((s) => ({ model: { ...s.model, spec: model } }));
  const stop = startTokenCounter();
  afterAll(stop);

  it('counts like A1111 (75 per chunk, BREAK starts one) as the prompt changes', async () => {
    setPrompt('a photo of a cat <hypernet:stripes:0.5>');
    await vi.waitFor(() => expect(counted()).toMatchObject({ prompt: 'a photo of a cat <hypernet:stripes:0.5>', count: 5, limit: 75, error: null }), { timeout: 10_000 });
    setPrompt('a cat BREAK a dog');
    await vi.waitFor(() => expect(counted()).toMatchObject({ count: 77, limit: 150 }), { timeout: 10_000 });
  });

  it('shows why a hostile prompt cannot be counted, instead of freezing or counting forever', async () => {
    setPrompt('BREAK '.repeat(40));
    await vi.waitFor(() => expect(counted()?.error).toMatch(/too long/), { timeout: 10_000 });
    setPrompt(`${'('.repeat(9000)}cat`);
    await vi.waitFor(() => expect(counted()?.error).toMatch(/emphasis weight/), { timeout: 10_000 });
  });
});
