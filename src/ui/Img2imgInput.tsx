/**
 * img2img's input: the image (dropped on its area, pasted with Ctrl+V anywhere while img2img is open, picked,
 * or sent from a result), its thumbnail and size with Replace / Clear / "Use image size", then A1111's
 * Denoising strength and Resize mode.
 */
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { setParams } from '../state/actions/generation.ts';
import { applyInitImageSize, clearInitImage, dismissInitImageError, setInitImageFile } from '../state/actions/img2img.ts';
import { RESIZE_MODES } from '../state/generation-types.ts';
import { formSizeFor } from '../state/init-image.ts';
import { useStudio } from '../state/store.ts';
import { SliderField } from './FormFields.tsx';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import './Img2imgInput.css';

const imageFileOf = (files: FileList | null | undefined): File | undefined => Array.from(files ?? []).find((f) => f.type.startsWith('image/'));

/** Ctrl+V of an image anywhere on the page while img2img is open makes it the input image (text pastes are left alone). */
function usePasteImage(): void {
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const file = imageFileOf(event.clipboardData?.files);
      if (!file) return;
      event.preventDefault();
      void setInitImageFile(file);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, []);
}

export function Img2imgInput() {
  const initImage = useStudio((s) => s.generation.initImage);
  const error = useStudio((s) => s.generation.initImageError);
  const denoisingStrength = useStudio((s) => s.generation.params.denoisingStrength);
  const resizeMode = useStudio((s) => s.generation.params.resizeMode);
  const width = useStudio((s) => s.generation.params.width);
  const height = useStudio((s) => s.generation.params.height);
  const step = useStudio((s) => s.model.info?.sizeStep ?? 8);
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const id = useId();
  usePasteImage();

  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    // taken here, not by the page's drop zone (which would read a PNG as PNG Info)
    event.preventDefault();
    event.stopPropagation();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.stopPropagation();
    setDragging(false);
    const file = imageFileOf(event.dataTransfer.files) ?? event.dataTransfer.files[0];
    if (file) void setInitImageFile(file);
  };
  const fitted = initImage ? formSizeFor(initImage.image, step) : null;
  const sizeDiffers = fitted && (fitted.width !== width || fitted.height !== height);

  return (
    <div className="img2img" data-testid="img2img-input">
      <div
        className={`init-drop${dragging ? ' is-dragging' : ''}${initImage ? ' has-image' : ''}`}
        data-testid="init-drop"
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        {initImage ? (
          <figure className="init-figure">
            <RgbaCanvas image={initImage.image} label={`Input image ${initImage.name}`} className="init-thumb" testId="init-thumb" />
            <figcaption className="init-caption">
              <span className="mono init-name" title={initImage.name}>
                {initImage.name}
              </span>
              <span className="mono muted" data-testid="init-size">
                {initImage.image.width}×{initImage.image.height}
              </span>
            </figcaption>
          </figure>
        ) : (
          <p className="init-empty muted">
            Drop an image here, paste one (<kbd>Ctrl</kbd>+<kbd>V</kbd>) or choose a file. A result's <em>Send to img2img</em> puts it here too.
          </p>
        )}
        <div className="init-actions">
          <button type="button" className="button button-secondary" onClick={() => inputRef.current?.click()}>
            {initImage ? 'Replace…' : 'Choose image…'}
          </button>
          {initImage && (
            <button type="button" className="button button-ghost" onClick={clearInitImage}>
              Clear
            </button>
          )}
          {initImage && fitted && (
            <button
              type="button"
              className="button button-ghost"
              disabled={!sizeDiffers}
              title={`Width and height from the image, rounded to multiples of ${step}`}
              data-testid="use-image-size"
              onClick={applyInitImageSize}
            >
              Use image size ({fitted.width}×{fitted.height})
            </button>
          )}
        </div>
        <input
          ref={inputRef}
          className="visually-hidden"
          type="file"
          accept="image/*"
          tabIndex={-1}
          aria-label="Input image file"
          data-testid="init-file-input"
          onChange={(event) => {
            const file = event.currentTarget.files?.[0];
            event.currentTarget.value = ''; // picking the same file again fires change
            if (file) void setInitImageFile(file);
          }}
        />
      </div>
      {error && (
        <div className="panel-error init-error" role="alert" data-testid="init-error" data-code={error.code}>
          <p className="panel-error-message">
            <span className="badge badge-danger">{error.code}</span> {error.message}
            {initImage ? ' The previous image is kept.' : ''}
          </p>
          <button type="button" className="button button-ghost" onClick={dismissInitImageError}>
            Dismiss
          </button>
        </div>
      )}
      <div className="param-grid">
        <SliderField
          id={`${id}-denoise`}
          label="Denoising strength"
          testId="denoising-strength"
          value={denoisingStrength}
          min={0}
          max={1}
          step={0.01}
          onChange={(v) => setParams({ denoisingStrength: v })}
        />
      </div>
      <fieldset className="resize-modes">
        <legend className="field-label">Resize mode</legend>
        {RESIZE_MODES.map((m) => (
          <label key={m.value} className="resize-mode">
            <input type="radio" name={`${id}-resize-mode`} value={m.value} checked={resizeMode === m.value} onChange={() => setParams({ resizeMode: m.value })} />
            {m.label}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
