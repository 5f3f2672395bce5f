// Numeric check of the exported demo pipeline with onnxruntime-web (wasm backend, 1 thread) in Node.
//
//   node tools/demo-model/check_onnx.mjs [repoRoot]
//   ORT_WEB_DIR=/path/containing/node_modules node tools/demo-model/check_onnx.mjs   (if not installed in the repo)
//
// Compares the ONNX text encoder, U-Net, VAE decoder and VAE encoder with the PyTorch reference data in
// test/reference/demo/, replays the reference Euler-a sampling run (20 steps, CFG 7) with the reference noise,
// and reports timings. Exit code 1 if any max-abs error exceeds its tolerance.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const root = path.resolve(process.argv[2] ?? '.');
const require = createRequire(path.join(process.env.ORT_WEB_DIR ?? root, 'noop.js'));
const ortPath = require.resolve('onnxruntime-web').replace(/ort\.node\.min\.js$/, 'ort.node.min.mjs');
const ort = await import(pathToFileURL(ortPath).href);
ort.env.wasm.numThreads = 1;

const refDir = path.join(root, 'test/reference/demo');
const manifest = JSON.parse(fs.readFileSync(path.join(refDir, 'manifest.json'), 'utf8'));
const modelDir = path.join(root, manifest.model);

function load(name) {
  const t = manifest.tensors[name];
  const buf = fs.readFileSync(path.join(refDir, t.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = t.dtype === 'int32' ? new Int32Array(ab) : new Float32Array(ab);
  return { data, dims: t.shape };
}
const tensor = (x, dims = x.dims) =>
  new ort.Tensor(x.data instanceof Int32Array ? 'int32' : 'float32', x.data, dims);
function maxAbs(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
let failed = false;
function report(what, err, tol) {
  const ok = err <= tol;
  if (!ok) failed = true;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: max abs err ${err.toExponential(2)} (tol ${tol})`);
}
async function session(sub) {
  const bytes = fs.readFileSync(path.join(modelDir, sub, 'model.onnx'));
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const meta = s.inputNames.map((n, i) => {
    const m = s.inputMetadata?.[i];
    return m ? `${n}:${m.type}[${(m.shape ?? []).join(',')}]` : n;
  });
  console.log(`${sub}: inputs ${meta.join(' ')} outputs ${s.outputNames.join(' ')}`);
  return s;
}

const te = await session('text_encoder');
const unet = await session('unet');
const dec = await session('vae_decoder');
const enc = await session('vae_encoder');

// text encoder
{
  const out = await te.run({ input_ids: tensor(load('text_input_ids')) });
  report('text_encoder last_hidden_state', maxAbs(out.last_hidden_state.data, load('text_last_hidden_state').data), 1e-4);
  report('text_encoder pooler_output', maxAbs(out.pooler_output.data, load('text_pooler_output').data), 1e-4);
}
// unet, no hypernetwork
const ts = new ort.Tensor('float32', new Float32Array([manifest.unet_timestep]), []);
{
  const feeds = { sample: tensor(load('unet_sample')), timestep: ts,
    encoder_hidden_states: tensor(load('unet_encoder_hidden_states')) };
  const out = await unet.run(feeds);
  report('unet out_sample (batch 2, t=500.5)', maxAbs(out.out_sample.data, load('unet_out_none').data), 1e-4);
  const n = 20;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await unet.run(feeds);
  console.log(`unet batch-2 call (= one CFG step at 64x64): ${((performance.now() - t0) / n).toFixed(2)} ms`);
}
// vae
const scaling = manifest.sampling.scaling_factor;
{
  const z = load('sample_final_latent');
  const zs = new Float32Array(z.data.length).map((_, i) => z.data[i] / scaling);
  const out = await dec.run({ latent_sample: new ort.Tensor('float32', zs, z.dims) });
  report('vae_decoder sample', maxAbs(out.sample.data, load('sample_image').data), 1e-4);
  const e = await enc.run({ sample: tensor(load('sample_image')) });
  report('vae_encoder latent_sample', maxAbs(e.latent_sample.data, load('vae_encoder_latent').data), 1e-4);
}
// full Euler-a replay with the reference noise (A1111 / k-diffusion semantics, CFG in denoised space)
{
  const S = manifest.sampling;
  const sig = load('sample_sigmas').data;
  const noise = load('sample_noise_steps');
  const lat = load('sample_latents');
  const per = 4 * 8 * 8;
  const tStart = performance.now();
  // encode [prompt, ""] from the token ids stored in the manifest
  const tok = S.token_ids;
  const idArr = new Int32Array(2 * 77);
  idArr.set(tok.cond, 0);
  idArr.set(tok.uncond, 77);
  const h = (await te.run({ input_ids: new ort.Tensor('int32', idArr, [2, 77]) })).last_hidden_state;
  let x = Float32Array.from(lat.data.subarray(0, per));
  let worst = 0;
  let unetMs = 0;
  for (let i = 0; i < S.steps; i++) {
    const s = sig[i];
    const cIn = 1 / Math.sqrt(s * s + 1);
    const xin = new Float32Array(2 * per);
    for (let k = 0; k < per; k++) xin[k] = xin[k + per] = x[k] * cIn;
    const t1 = performance.now();
    const eps = (await unet.run({ sample: new ort.Tensor('float32', xin, [2, 4, 8, 8]),
      timestep: new ort.Tensor('float32', new Float32Array([S.timesteps[i]]), []), encoder_hidden_states: h })).out_sample.data;
    unetMs += performance.now() - t1;
    const sn = sig[i + 1];
    const sUp = Math.min(sn, Math.sqrt((sn * sn * (s * s - sn * sn)) / (s * s)));
    const sDown = Math.sqrt(sn * sn - sUp * sUp);
    const nx = new Float32Array(per);
    for (let k = 0; k < per; k++) {
      const dc = x[k] - s * eps[k];
      const du = x[k] - s * eps[k + per];
      const den = du + (dc - du) * S.cfg_scale;
      const d = (x[k] - den) / s;
      nx[k] = x[k] + d * (sDown - s) + (sn > 0 ? noise.data[i * per + k] * sUp : 0);
    }
    x = nx;
    worst = Math.max(worst, maxAbs(x, lat.data.subarray((i + 1) * per, (i + 2) * per)));
  }
  const zs = x.map((v) => v / scaling);
  const img = (await dec.run({ latent_sample: new ort.Tensor('float32', zs, [1, 4, 8, 8]) })).sample.data;
  const total = performance.now() - tStart;
  report('Euler a 20-step replay, latents (every step)', worst, 1e-3);
  report('Euler a 20-step replay, decoded image', maxAbs(img, load('sample_image').data), 2e-3);
  console.log(`20-step 64x64 generation (text encoder + 20 CFG U-Net calls + VAE decode): ${total.toFixed(0)} ms ` +
    `(U-Net ${unetMs.toFixed(0)} ms, ${(unetMs / S.steps).toFixed(2)} ms/step)`);
}
process.exit(failed ? 1 : 0);
