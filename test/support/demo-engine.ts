/** The in-process engine on the embedded demo model, as the Node pipeline tests use it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { fsModelSource } from '../../src/cli/fs-model-source.ts';
import { Engine } from '../../src/engine/engine.ts';

export const DEMO_MODEL = fileURLToPath(new URL('../../public/models/sd-shapes-demo/', import.meta.url));
const STRIPES = fileURLToPath(new URL('../../public/hypernetworks/stripes.pt', import.meta.url));

/** The library id `stripes.pt` is kept under (the tests stack it as 'hn-1'). */
const STRIPES_ID = 'hn-1';

/**
 * An engine (WASM, 1 thread) with the demo model loaded and `stripes.pt` kept as `STRIPES_ID` (not stacked).
 * @param ortModule onnxruntime to run on (a wrapped one lets a test inject failures)
 */
export async function demoEngine(ortModule: unknown = ort): Promise<Engine> {
  const engine = new Engine({ loadOrt: async () => ortModule as never, threads: 1 });
  await engine.loadFrom(fsModelSource(DEMO_MODEL), 'wasm');
  const buf = readFileSync(STRIPES);
  await engine.inspectHypernetwork({ name: 'stripes.pt', bytes: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, STRIPES_ID);
  return engine;
}

type UnetRun = (feeds: Record<string, ort.Tensor>, ...rest: never[]) => Promise<ort.InferenceSession.ReturnType>;

/**
 * onnxruntime whose U-Net sessions (those with a `sample` input) run through `wrap`: a test counts the calls or
 * makes them fail. Pass the result to `demoEngine`.
 */
export function ortWithUnetRun(wrap: (run: UnetRun) => UnetRun): unknown {
  const create = ort.InferenceSession.create.bind(ort.InferenceSession);
  return {
    ...ort,
    InferenceSession: {
      create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
        const session = await create(...args);
        if (!session.inputNames.includes('sample')) return session;
        return Object.assign(session, { run: wrap(session.run.bind(session) as UnetRun) });
      },
    },
  };
}
