import { afterEach, describe, expect, it, vi } from 'vitest';
import { sourceFromSpec } from './model-sources.ts';

afterEach(() => vi.unstubAllGlobals());

describe('URL model source', () => {
  const source = sourceFromSpec({ kind: 'url', name: 'demo', baseUrl: 'http://127.0.0.1/models/demo/' });

  it('a 404 is a missing file (null); a server failure is a StudioError naming the file', async () => {
    vi.stubGlobal('fetch', async () => new Response('gone', { status: 404 }));
    expect(await source.open('unet/model.onnx')).toBeNull();
    vi.stubGlobal('fetch', async () => new Response('oops', { status: 503 }));
    await expect(source.open('unet/model.onnx')).rejects.toMatchObject({
      name: 'StudioError',
      code: 'missing-file',
      message: expect.stringContaining('HTTP 503 for unet/model.onnx'),
      details: { path: 'unet/model.onnx', status: 503 },
    });
  });
});
