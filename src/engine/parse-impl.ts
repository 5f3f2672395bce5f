/** The parse worker's work, in-process (the worker exposes it; tests and Node call it directly). */
import { readPngParameters } from '../core/diffusion/png-parameters.ts';
import { promptTokenReport } from '../core/diffusion/prompt/index.ts';
import { ClipTokenizer } from '../core/diffusion/tokenizer/index.ts';
import { StudioError } from '../core/errors.ts';
import { modelDir, readSmall } from '../core/storage/storage-fs.ts';
import { OpfsFs } from '../storage/opfs-fs.ts';
import type { ModelSpec } from './api.ts';
import type { ParseApi } from './parse-api.ts';

const TOKENIZER_FILES = ['tokenizer/vocab.json', 'tokenizer/merges.txt'] as const;

async function tokenizerText(model: ModelSpec, path: string): Promise<string> {
  switch (model.kind) {
    case 'url': {
      const base = model.baseUrl.endsWith('/') ? model.baseUrl : `${model.baseUrl}/`;
      const response = await fetch(new URL(path, new URL(base, globalThis.location?.href)));
      if (!response.ok) throw new StudioError('missing-file', `${path} of "${model.name}" could not be fetched (${response.status}).`, { path });
      return response.text();
    }
    case 'files': {
      const blob = model.files[path];
      if (!blob) throw new StudioError('missing-file', `The folder of "${model.name}" has no ${path}.`, { path });
      return blob.text();
    }
    case 'installed': {
      const bytes = await readSmall(new OpfsFs(), `${modelDir(model.id)}/${path}`);
      if (!bytes) throw new StudioError('missing-file', `The installed model "${model.name}" has no ${path}.`, { path });
      return new TextDecoder().decode(bytes);
    }
  }
}

function modelKey(model: ModelSpec): string {
  return model.kind === 'url' ? `url:${model.baseUrl}` : model.kind === 'installed' ? `installed:${model.id}` : `files:${model.name}`;
}

export class Parser implements ParseApi {
  /** the tokenizer of the last model asked about (the prompt box asks about one model at a time) */
  private tokenizer: { key: string; value: Promise<ClipTokenizer> } | null = null;

  readPngParameters(bytes: ArrayBuffer): Promise<ReturnType<typeof readPngParameters>> {
    return Promise.resolve(readPngParameters(new Uint8Array(bytes)));
  }

  async countTokens(prompt: string, model: ModelSpec): Promise<ReturnType<typeof promptTokenReport>> {
    const key = modelKey(model);
    if (this.tokenizer?.key !== key) {
      const value = Promise.all(TOKENIZER_FILES.map((f) => tokenizerText(model, f))).then(([vocab, merges]) => ClipTokenizer.fromFiles(vocab!, merges!));
      this.tokenizer = { key, value };
      value.catch(() => {
        if (this.tokenizer?.value === value) this.tokenizer = null; // retried on the next call
      });
    }
    return promptTokenReport(prompt, await this.tokenizer.value);
  }
}
