import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../state/generation-types.ts';

/**
 * RGBA pixels drawn 1:1 into a canvas; CSS scales it up crisply (`image-rendering: pixelated`), which suits
 * latent previews (1/8 resolution) and the 64×64 demo model.
 */
export function RgbaCanvas({ image, label, className, testId }: { image: RgbaImage; label: string; className?: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = image.width;
    canvas.height = image.height;
    const pixels = new ImageData(image.width, image.height);
    pixels.data.set(image.data);
    ctx.putImageData(pixels, 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      className={`pixel-canvas${className ? ` ${className}` : ''}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      width={image.width}
      height={image.height}
      style={{ aspectRatio: `${image.width} / ${image.height}` }}
    />
  );
}
