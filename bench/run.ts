/**
 * `npm run bench [reader|pipeline|browser|surgery …]`: speed and memory figures, printed as ratios measured in
 * one run (the machines are shared and noisy). Targets live here, never in timed tests.
 */
import { benchReader } from './reader.ts';

const SUITES: Record<string, () => Promise<void>> = {
  reader: benchReader,
  pipeline: async () => (await import('./pipeline-node.ts')).benchPipelineNode(),
  browser: async () => (await import('./pipeline-browser.ts')).benchPipelineBrowser(),
  surgery: async () => (await import('./surgery.ts')).benchSurgery(),
  hostile: async () => (await import('./hostile.ts')).benchHostile(),
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(SUITES)) {
  const suite = Object.hasOwn(SUITES, name) ? SUITES[name] : undefined;
  if (!suite) throw new Error(`unknown bench suite "${name}"; known: ${Object.keys(SUITES).join(', ')}`);
  console.log(`\n## ${name}`);
  await suite();
}
