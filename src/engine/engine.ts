/** The in-process engine: the CLI and tests call it directly; the worker exposes it to the page. */
import { allWarnings, inspectHypernetwork, readHypernetwork, sizeRole } from '../core/hypernetwork/index.ts';
import type { EngineApi, EngineFile, HypernetworkCard, SizeRole } from './api.ts';

export class Engine implements EngineApi {
  async inspectHypernetwork(file: EngineFile): Promise<HypernetworkCard> {
    const hn = readHypernetwork(new Uint8Array(file.bytes), file.name);
    const sizeRoles: Record<string, SizeRole> = {};
    for (const size of hn.sizes) sizeRoles[String(size)] = sizeRole(size);
    return {
      ...inspectHypernetwork(hn),
      fileName: file.name,
      fileSize: file.bytes.byteLength,
      sizeRoles,
      warnings: allWarnings(hn), // reader notes plus NaN/Inf weights
      optionalInfo: hn.meta.optionalInfo,
      legacyKeys: hn.meta.legacyKeys,
    };
  }
}
