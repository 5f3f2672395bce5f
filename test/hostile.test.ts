/**
 * Issue 11's proof: every input of the hostile corpus (test/fixtures/hostile/, recipes in test/hostile/) ends
 * as valid or as a StudioError with its expected code, within stated bounds measured here:
 *   - CPU time of the work on the input (process.cpuUsage: not wall-clock, which a busy machine inflates),
 *   - growth of the process's peak RSS while the input is processed (process.resourceUsage().maxRSS).
 * Before issue 11 several of these took minutes or gigabytes; one aborted Node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusFile, inputOf, RECIPES, runInput } from './hostile/corpus.ts';

/** Generous for a busy 2-core machine: every input takes milliseconds; the attacks took seconds to minutes. */
const MAX_CPU_MS = 3000;
/** Peak memory an input may add: the budgets allow ~1 MiB of overshoot per inflate, 8 MiB of PNG text. */
const MAX_RSS_GROWTH_MIB = 256;

interface Measured {
  outcome: string;
  message: string;
  cpuMs: number;
  rssGrowthMiB: number;
}

function measure(run: () => { outcome: string; message: string }): Measured {
  const rss = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const result = run();
  const used = process.cpuUsage(cpu);
  return { ...result, cpuMs: (used.user + used.system) / 1000, rssGrowthMiB: (process.resourceUsage().maxRSS - rss) / 1024 };
}

const table: string[] = [];

describe('hostile corpus', () => {
  it('is what the generator makes (tools/fixtures/make-hostile.ts), and index.json lists every recipe', () => {
    const index = JSON.parse(readFileSync(join(CORPUS_DIR, 'index.json'), 'utf8')) as { inputs: { name: string; expect: string }[] };
    expect(index.inputs.map((i) => [i.name, i.expect])).toEqual(RECIPES.map((r) => [r.name, r.expect]));
    for (const r of RECIPES.filter((x) => !x.big)) expect(Buffer.compare(Buffer.from(r.make()), readFileSync(join(CORPUS_DIR, corpusFile(r)))), r.name).toBe(0);
  });

  it('covers every kind of input and every class of attack in issue 11', () => {
    const kinds = new Set(RECIPES.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['config', 'infotext', 'png', 'prompt', 'pt', 'tokenizer']);
    expect(RECIPES.length).toBeGreaterThanOrEqual(90);
  });

  it.each(RECIPES.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const bytes = inputOf(r);
    const m = measure(() => runInput(r.kind, bytes));
    table.push(`${r.name.padEnd(40)} ${m.outcome.padEnd(26)} ${m.cpuMs.toFixed(0).padStart(6)} ms CPU  +${m.rssGrowthMiB.toFixed(0)} MiB peak RSS  (${(bytes.length / 1024).toFixed(0)} KiB in)`);
    expect(m.outcome, r.what).toBe(r.expect);
    // messages name what they saw, briefly: never "[object Object]", "a object" or a megabyte of input
    expect(m.message).not.toMatch(/\[object |\ba object\b|undefined|NaN elements/);
    expect(m.message.length).toBeLessThan(600);
    expect(m.cpuMs, `${r.name}: CPU time`).toBeLessThan(MAX_CPU_MS);
    expect(m.rssGrowthMiB, `${r.name}: peak RSS growth`).toBeLessThan(MAX_RSS_GROWTH_MIB);
  }, 60_000);

  it('records what it measured', () => {
    console.log(`hostile corpus (${RECIPES.length} inputs): outcome, CPU time, peak-RSS growth\n${table.join('\n')}`);
    expect(table.length).toBe(RECIPES.length);
  });
});
