// The few web-platform globals the core relies on. They exist in browsers, workers and Node ≥ 18 alike;
// declaring them here keeps tsconfig.core.json free of the DOM and Node typings.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
/** Cancellation: the core only reads `aborted` between steps. */
interface AbortSignal {
  readonly aborted: boolean;
}
declare const performance: { now(): number };
/** Web Crypto digest (browsers, workers, Node ≥ 19). */
declare const crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } };
declare function setTimeout(handler: () => void, ms?: number): unknown;
