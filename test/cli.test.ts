/** The CLI contract of issue 2, exercised through the real `bin/hnstudio.mjs` entry. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hnstudio, ROOT } from './support/hnstudio.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'hypernetwork');
const HOSTILE = join(ROOT, 'test', 'fixtures', 'hostile');

const expected = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8'));

describe('hnstudio CLI', { timeout: 60_000 }, () => {
  it('inspect --json prints exactly the contract object', async () => {
    const r = await hnstudio('inspect', join(FIXTURES, 'layout-06-act-ln-dropout.pt'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected('layout-06-act-ln-dropout').inspect);
  });

  it('inspect without --json prints a readable summary', async () => {
    const r = await hnstudio('inspect', join(FIXTURES, 'layout-02-linear.pt'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('layer structure:  [1, 2, 1]');
    expect(r.stdout).toContain('8: Linear 8→16 · Linear 16→8');
  });

  it('convert writes safetensors with the stored bytes and the metadata', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hn-')), 'out.safetensors');
    const r = await hnstudio('convert', join(FIXTURES, 'dtype-fp16.pt'), out);
    expect(r.code).toBe(0);
    const file = readFileSync(out);
    const headerLen = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + headerLen).toString('utf8'));
    const data = file.subarray(8 + headerLen);
    const tensors = expected('dtype-fp16').tensors as Record<string, { shape: number[]; sha256Raw: string }>;
    expect(Object.keys(header).filter((k) => k !== '__metadata__').sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const h = header[name];
      expect(h.dtype).toBe('F16');
      expect(h.shape).toEqual(t.shape);
      const bytes = data.subarray(h.data_offsets[0], h.data_offsets[1]);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(t.sha256Raw);
    }
    expect(JSON.parse(header.__metadata__.hypernetwork)).toMatchObject(expected('dtype-fp16').inspect);
  });

  it.each([
    ['bad-global-os-system.pt', 'posix.system'],
    ['bad-truncated-zip.pt', 'truncated'],
    ['does-not-exist.pt', 'no such file: '],
  ])('bad input %s: exit 1 and one error line', async (file, reason) => {
    const r = await hnstudio('inspect', join(FIXTURES, file), '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toContain(reason);
    expect(r.stderr, 'every error line ends with its ErrorCode').toMatch(/ \[[a-z-]+\]\n$/);
  });

  it('rejects unknown commands and wrong arguments with a usage error', async () => {
    expect((await hnstudio('frobnicate')).stderr).toMatch(/^error: unknown command "frobnicate"/);
    const wrong = await hnstudio('convert', 'only-one.pt');
    expect(wrong.stderr).toMatch(/^error: expected FILE\.pt OUT\.safetensors/);
    expect(wrong.stderr).toContain('(hnstudio convert --help)');
  });

  it.each(['inspect', 'convert', 'generate', 'noise', 'sigmas', 'patch', 'png-info', 'tokens'])('%s --help and -h print its usage on stdout, exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const r = await hnstudio(command, flag);
      expect(r, `${command} ${flag}`).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^usage: hnstudio ${command} `));
    }
    // help wins over arguments that would otherwise be an error
    expect((await hnstudio(command, 'x', 'y', 'z', '--help')).stdout).toMatch(/^usage: /);
  });

  it('--help with no command lists every command', async () => {
    const r = await hnstudio('--help');
    expect(r.code).toBe(0);
    for (const command of ['inspect', 'convert', 'generate', 'noise', 'sigmas', 'patch', 'png-info', 'tokens']) expect(r.stdout).toContain(`\n  ${command} `);
  });

  it('noise writes the initial latent exactly as torch.randn draws it (seed, seed+1 per image)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hn-')), 'noise.npy');
    const r = await hnstudio('noise', '--seed', '42', '--shape', '2,4,2,2', '--out', out);
    expect(r.code).toBe(0);
    const file = readFileSync(out);
    const headerLen = file.readUInt16LE(8);
    expect(file.subarray(10, 10 + headerLen).toString('latin1')).toContain("'shape': (2, 4, 2, 2)");
    expect((10 + headerLen) % 64).toBe(0);
    const values = new Float32Array(file.buffer.slice(file.byteOffset + 10 + headerLen, file.byteOffset + file.length));
    // torch.randn((1,4,2,2), generator=torch.Generator().manual_seed(42)) starts 1.9269, 1.4873, 0.9007, -2.1055
    expect(Array.from(values.subarray(0, 4)).map((v) => +v.toFixed(4))).toEqual([1.9269, 1.4873, 0.9007, -2.1055]);
    expect(values.length).toBe(32);
    expect(values[16]).not.toBe(values[0]); // the second image has its own generator (seed 43)
  });

  it('sigmas prints N+1 values ending in 0, read from the model folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
    mkdirSync(join(dir, 'scheduler'));
    writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000 }));
    const r = await hnstudio('sigmas', '--model', dir, '--sampler', 'Euler', '--steps', '10', '--json');
    expect(r.code).toBe(0);
    const sigmas = JSON.parse(r.stdout) as number[];
    expect(sigmas).toHaveLength(11);
    expect(sigmas[10]).toBe(0);
    expect(sigmas[0]).toBeCloseTo(14.6146, 3);
  });

  it('a malformed scheduler config is reported with its code, not as an unexpected failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-model-'));
    mkdirSync(join(dir, 'scheduler'));
    writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), '{"beta_start": 0.1,');
    const r = await hnstudio('sigmas', '--model', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: not JSON .*\[bad-model-folder\]\n$/);
  });

  it('convert of a bad file keeps an existing output intact and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-'));
    const out = join(dir, 'out.safetensors');
    writeFileSync(out, 'the user\'s file');
    const r = await hnstudio('convert', join(HOSTILE, 'zip-stored-overclaim.pt'), out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*\[zip-inconsistent\]\n$/);
    expect(readFileSync(out, 'utf8')).toBe('the user\'s file');
    expect(readdirSync(dir)).toEqual(['out.safetensors']);
  });

  it('png-info prints what PNG Info restores, as text or one JSON object', async () => {
    const png = join(HOSTILE, 'png-ztxt-parameters.png');
    const text = await hnstudio('png-info', png);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/prompt: +masterpiece, \(a cat:1\.2\) <hypernet:stripes:0\.8>/);
    expect(text.stdout).toMatch(/Sampler: +Euler a/);
    expect(text.stdout).toMatch(/hypernetworks: +stripes 0\.8/);
    const json = JSON.parse((await hnstudio('png-info', png, '--json')).stdout);
    expect(json).toMatchObject({ prompt: 'masterpiece, (a cat:1.2) <hypernet:stripes:0.8>', negativePrompt: 'blurry', params: { Steps: '20', Seed: '42', Size: '512x512' }, hypernets: [{ name: 'stripes', multiplier: 0.8 }], problems: [] });
  });

  it('png-info reports a skipped bomb chunk, and refuses a file that is not a PNG', async () => {
    const bomb = JSON.parse((await hnstudio('png-info', join(HOSTILE, 'png-ztxt-bomb-2m.png'), '--json')).stdout);
    expect(bomb).toMatchObject({ parameters: null, problems: [{ chunk: 'zTXt', keyword: 'parameters', code: 'limit-exceeded' }] });
    const r = await hnstudio('png-info', join(HOSTILE, 'png-not-png.png'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: This is not a PNG file.*\[not-a-png\]\n$/);
  });

  it('png-info prints a hostile prompt without its terminal escape sequences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-'));
    const { pngWith, tEXt } = await import('./hostile/png-writer.ts');
    writeFileSync(join(dir, 'esc.png'), pngWith([tEXt('parameters', 'a \x1b]0;owned\x07cat \x9b31m\nSteps: 1, Seed: 2, Size: 64x64')]));
    const r = await hnstudio('png-info', join(dir, 'esc.png'));
    expect(['\x1b', '\x07', '\x9b'].filter((c) => r.stdout.includes(c))).toEqual([]);
    expect(r.stdout).toContain('a \\x1b]0;owned\\x07cat \\x9b31m');
  });

  it('tokens counts like A1111 and shows chunks, weights and tags, as text or JSON', async () => {
    const prompt = '(a cat:1.5) [dog] BREAK red <hypernet:stripes:0.8>';
    const text = await hnstudio('tokens', prompt);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^tokens: 76\/150 \(2 chunks of 75\)/);
    expect(text.stdout).toContain('hypernetworks: stripes 0.8');
    const json = JSON.parse((await hnstudio('tokens', prompt, '--json')).stdout);
    expect(json.tokenCount).toBe(76);
    expect(json.chunks.map((c: { tokens: unknown[] }) => c.tokens.length)).toEqual([3, 1]);
    expect(json.chunks[0].tokens.map((t: { text: string; weight: number }) => [t.text, t.weight])).toEqual([['a ', 1.5], ['cat ', 1.5], ['dog ', 1 / 1.1]]);
    expect(json.hypernets).toEqual([{ name: 'stripes', multiplier: 0.8 }]);
    const dir = mkdtempSync(join(tmpdir(), 'hn-'));
    writeFileSync(join(dir, 'p.txt'), prompt);
    expect(JSON.parse((await hnstudio('tokens', '--prompt-file', join(dir, 'p.txt'), '--json')).stdout)).toEqual(json);
  });

  it.each([
    ['an infinite weight', ['tokens', `(cat:${'9'.repeat(400)})`], 'bad-prompt'],
    ['33 chunks', ['tokens', '--prompt-file', join(HOSTILE, 'prompt-break-33.prompt.txt')], 'bad-prompt'],
    ['no prompt', ['tokens'], 'give the prompt'],
    ['two prompts', ['tokens', 'a', '--prompt-file', 'x.txt'], 'give the prompt'],
    ['no file', ['png-info'], 'expected FILE.png'],
  ])('%s: exit 1 and one error line', async (_what, args, reason) => {
    const r = await hnstudio(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toContain(reason);
  });
});
