/**
 * Issue 11 (path escape): `patch` must never follow an external-data location out of the model's folder, and
 * must refuse before reading a byte (the escaped file's bytes used to land in OUT.onnx_data).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { FIXTURES } from '../../test/fixtures/onnx/helpers.ts';
import { isStudioError } from '../core/errors.ts';
import { setExternal } from '../core/onnx/external.ts';
import { decodeModel, encodeModel } from '../core/onnx/proto.ts';
import { patchCommand } from './patch.ts';

const fixture = (p: string): string => fileURLToPath(new URL(p, FIXTURES));
const SECRET = new Uint8Array(4096).fill(0x5a);

/** tiny-unet.onnx in `<tmp>/model/` with its largest initializer moved to external data at `location`. */
function modelWithLocation(location: string): { model: string; root: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'hn-escape-'));
  mkdirSync(join(root, 'model'));
  writeFileSync(join(root, 'secret.bin'), SECRET);
  const model = decodeModel(new Uint8Array(readFileSync(fixture('onnx/tiny-unet.onnx'))));
  const big = model.graph.initializer.reduce((a, b) => ((b.raw_data?.length ?? 0) > (a.raw_data?.length ?? 0) ? b : a));
  const bytes = big.raw_data!.slice();
  setExternal(big, { location, offset: 0, length: bytes.length });
  writeFileSync(join(root, 'model', 'inside.bin'), bytes);
  const path = join(root, 'model', 'unet.onnx');
  writeFileSync(path, encodeModel(model));
  return { model: path, root, out: join(root, 'model', 'out.onnx') };
}

const hypernetwork = ['--hypernetwork', fixture('hypernetwork/layout-02-linear.pt')];

describe('hnstudio patch: external-data locations stay inside the model folder', () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});

  it.each(['../secret.bin', 'sub/../../secret.bin', '/etc/passwd', '..\\secret.bin', 'C:secret.bin', 'file:///etc/passwd', './../secret.bin'])(
    'refuses %s with unsafe-path and writes nothing',
    async (location) => {
      const { model, out } = modelWithLocation(location);
      const error = await patchCommand([model, ...hypernetwork, '--standalone', '--out', out]).then(() => null, (e: unknown) => e);
      expect(isStudioError(error) && error.code).toBe('unsafe-path');
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}_data`)).toBe(false);
    },
    20_000,
  );

  it('reads a location inside the folder (./ prefix allowed)', async () => {
    for (const location of ['inside.bin', './inside.bin']) {
      const { model, out } = modelWithLocation(location);
      await patchCommand([model, ...hypernetwork, '--standalone', '--out', out]);
      expect(existsSync(`${out}_data`)).toBe(true);
    }
  }, 20_000);
});
