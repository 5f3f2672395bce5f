/**
 * `npm run bench hostile`: issue 11's figures. Every input of the hostile corpus in its own Node process
 * (so peak memory is that input's alone): outcome, wall and CPU time, peak RSS above the process's baseline;
 * then a long structure-aware fuzz run (HOSTILE_FUZZ_CASES, default 20,000, fixed seed).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clipTokenizer, inputOf, RECIPES, runInput } from '../test/hostile/corpus.ts';
import { fuzzAll } from '../test/hostile/fuzz.ts';

const self = fileURLToPath(import.meta.url);

/** Child mode: `node --import tsx bench/hostile.ts --one NAME` prints one JSON line. */
function runOne(name: string): void {
  const recipe = RECIPES.find((r) => r.name === name)!;
  const bytes = inputOf(recipe);
  if (recipe.kind === 'prompt') clipTokenizer(); // the model's tokenizer is loaded once, not per prompt
  const baseline = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const { outcome } = runInput(recipe.kind, bytes);
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const peak = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ outcome, wallMs, cpuMs: (used.user + used.system) / 1000, growthMiB: (peak - baseline) / 1024, peakMiB: peak / 1024, inKiB: bytes.length / 1024 }));
}

export async function benchHostile(): Promise<void> {
  let worstCpu = { ms: 0, name: '' };
  let worstGrowth = { mib: 0, name: '' };
  let mismatches = 0;
  for (const r of RECIPES) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--one', r.name], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      console.log(`${r.name}: child failed (${child.status}) ${child.stderr.split('\n').slice(0, 3).join(' ')}`);
      mismatches++;
      continue;
    }
    const m = JSON.parse(line) as { outcome: string; wallMs: number; cpuMs: number; growthMiB: number; peakMiB: number; inKiB: number };
    if (m.outcome !== r.expect) mismatches++;
    if (m.cpuMs > worstCpu.ms) worstCpu = { ms: m.cpuMs, name: r.name };
    if (m.growthMiB > worstGrowth.mib) worstGrowth = { mib: m.growthMiB, name: r.name };
    console.log(`${r.name.padEnd(40)} ${m.outcome.padEnd(26)} ${m.wallMs.toFixed(0).padStart(6)} ms wall ${m.cpuMs.toFixed(0).padStart(6)} ms CPU  +${m.growthMiB.toFixed(1)} MiB peak RSS (of ${m.peakMiB.toFixed(0)})  ${m.inKiB.toFixed(0)} KiB in`);
  }
  console.log(`corpus: ${RECIPES.length} inputs, ${mismatches} unexpected outcomes; slowest ${worstCpu.ms.toFixed(0)} ms CPU (${worstCpu.name}); largest peak-RSS growth ${worstGrowth.mib.toFixed(1)} MiB (${worstGrowth.name})`);

  const cases = Number(process.env.HOSTILE_FUZZ_CASES ?? 20_000);
  const t0 = performance.now();
  const fuzz = fuzzAll(cases, 0x5eed11);
  console.log(`fuzz: ${fuzz.cases} cases in ${((performance.now() - t0) / 1000).toFixed(0)} s ${JSON.stringify(fuzz.byKind)}: ${fuzz.valid} valid, ${fuzz.rejected} StudioError, 0 other errors; slowest ${fuzz.slowestCpuMs.toFixed(0)} ms CPU (${fuzz.slowest})`);
}

const one = process.argv.indexOf('--one');
if (one > 0) runOne(process.argv[one + 1]!);
