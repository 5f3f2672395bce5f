/**
 * Reader benchmark: speed and memory of the `.pt` reader on a real-scale SD1 hypernetwork (768/320/640/1280,
 * [1,2,1], fp32, ~88 MB), side by side with PyTorch's `torch.load` when Debian's python3-torch is there,
 * plus a long fuzz run. Figures are ratios measured in one run (the machine is shared and noisy).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nonFiniteWarnings, readHypernetwork } from '../src/core/hypernetwork/index.ts';
import { fuzzReader } from '../test/support/fuzz.ts';
import { median } from './stats.ts';
import { saveHypernetwork, sd1Hypernetwork } from './torch-save.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const file = join(outDir, 'sd1-hypernetwork.pt');
const RUNS = 7;


function ensureFile(): number {
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, saveHypernetwork(sd1Hypernetwork(), 'sd1-hypernetwork'));
  return readFileSync(file).length;
}

interface Timing {
  fromDisk: number;
  fromMemory: number;
}

function benchOurs(size: number): Timing & { extra: number; scan: number } {
  const disk: number[] = [];
  const memory: number[] = [];
  const scan: number[] = [];
  let extra = 0;
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const buf = readFileSync(file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const t1 = performance.now();
    const hn = readHypernetwork(bytes, 'sd1-hypernetwork.pt');
    const t2 = performance.now();
    nonFiniteWarnings(hn);
    scan.push(performance.now() - t2);
    disk.push(t2 - t0);
    memory.push(t2 - t1);
    // everything the reader holds: the file buffer plus any decoded copies (none for aligned fp32)
    extra = Math.max(extra, (process.memoryUsage().arrayBuffers - before) / size);
    if (hn.parameters !== 21_939_840) throw new Error(`unexpected parameter count ${hn.parameters}`);
  }
  return { fromDisk: median(disk), fromMemory: median(memory), extra, scan: median(scan) };
}

const TORCH_SCRIPT = `
import io, sys, time, resource, statistics, torch
path = sys.argv[1]
torch.set_num_threads(1)
disk, memory = [], []
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(${RUNS}):
    t0 = time.perf_counter()
    sd = torch.load(path, map_location="cpu")
    disk.append((time.perf_counter() - t0) * 1000)
    del sd
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = open(path, "rb").read()
for _ in range(${RUNS}):
    t0 = time.perf_counter()
    sd = torch.load(io.BytesIO(data), map_location="cpu")
    memory.append((time.perf_counter() - t0) * 1000)
    del sd
print(statistics.median(disk), statistics.median(memory), (peak - base) * 1024, torch.__version__)
`;

function benchTorch(): (Timing & { extraBytes: number; version: string }) | null {
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, file], {
      env: { ...process.env, OMP_NUM_THREADS: '2' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString().trim().split(/\s+/);
    return { fromDisk: Number(out[0]), fromMemory: Number(out[1]), extraBytes: Number(out[2]), version: out[3] ?? '?' };
  } catch {
    return null;
  }
}

export async function benchReader(): Promise<void> {
  const size = ensureFile();
  console.log(`file: ${file} (${(size / 2 ** 20).toFixed(1)} MiB)`);
  const ours = benchOurs(size);
  console.log(`reader:     ${ours.fromDisk.toFixed(1)} ms from disk, ${ours.fromMemory.toFixed(1)} ms from bytes in memory (medians of ${RUNS}); memory held ${ours.extra.toFixed(3)}× the file size (target ≤ 1.1×)`);
  console.log(`NaN/Inf scan of all weights (inspector only): ${ours.scan.toFixed(1)} ms`);
  const torch = benchTorch();
  if (torch) {
    console.log(`torch.load: ${torch.fromDisk.toFixed(1)} ms from disk, ${torch.fromMemory.toFixed(1)} ms from BytesIO (torch ${torch.version}, 1 thread); peak RSS growth ${(torch.extraBytes / size).toFixed(2)}× the file size`);
    console.log(`speed-up:   ${(torch.fromDisk / ours.fromDisk).toFixed(1)}× from disk, ${(torch.fromMemory / ours.fromMemory).toFixed(1)}× from memory (target ≥ 3×)`);
  } else {
    console.log('torch.load: skipped (Debian python3-torch not installed)');
  }

  const fuzz = fuzzReader(5000, 0xbe7c4);
  console.log(`fuzz:       ${fuzz.cases} mutated files, ${fuzz.accepted} still valid, ${fuzz.rejected} rejected with StudioError, slowest ${fuzz.slowestMs.toFixed(1)} ms, 0 other errors`);
}
