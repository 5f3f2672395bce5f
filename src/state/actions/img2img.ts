/**
 * img2img: A1111's tab switch, the input image (a picked, dropped or pasted file, or a result sent with "Send to
 * img2img") and "Use image size". The image stays in memory (megabytes of RGBA never go to localStorage); the
 * form's width and height are kept when an image is set, as A1111 keeps them.
 */
import { isStudioError } from '../../core/errors.ts';
import { toUiError } from '../errors.ts';
import type { GenerationMode, InitImage, ResultImage } from '../generation-types.ts';
import { decodeInitImage, formSizeFor, type ImageDecoder } from '../init-image.ts';
import { useStudio } from '../store.ts';
import { setParams } from './generation.ts';

export function setMode(mode: GenerationMode): void {
  setParams({ mode });
}

function setInit(initImage: InitImage | null): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, initImage, initImageError: null } }));
}

export function clearInitImage(): void {
  setInit(null);
}

export function dismissInitImageError(): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, initImageError: null } }));
}

/**
 * Decodes a picked, dropped or pasted image and makes it the input image. A file that is not an image or is
 * over the bounds is refused with its reason; the image the user had stays. Never rejects.
 */
export async function setInitImageFile(file: Blob & { name?: string }, decode?: ImageDecoder): Promise<void> {
  try {
    const image = await decodeInitImage(file, decode);
    setInit({ image, name: file.name || 'pasted image' });
  } catch (e) {
    const error = isStudioError(e) ? toUiError(e) : { code: 'not-an-image' as const, message: `The image could not be read: ${e instanceof Error ? e.message : String(e)}`, details: {} };
    useStudio.setState((s) => ({ generation: { ...s.generation, initImageError: error } }));
  }
}

/** A1111's "Send to img2img": the result becomes the input image and the img2img tab opens. */
export function sendToImg2img(result: Pick<ResultImage, 'width' | 'height' | 'rgba' | 'fileName'>): void {
  // a copy: the result keeps its own pixels whatever happens to the input image
  setInit({ image: { width: result.width, height: result.height, data: new Uint8ClampedArray(result.rgba) }, name: result.fileName });
  setMode('img2img');
}

/** "Use image size": width and height from the input image, rounded to the model's size step. */
export function applyInitImageSize(): void {
  const { generation, model } = useStudio.getState();
  if (!generation.initImage) return;
  setParams(formSizeFor(generation.initImage.image, model.info?.sizeStep ?? 8));
}
