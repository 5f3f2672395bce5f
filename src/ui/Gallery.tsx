import { useEffect, useId, useRef, useState } from 'react';
import { clearGallery, galleryCaption, galleryStrengths } from '../state/actions/gallery.ts';
import { sendToImg2img } from '../state/actions/img2img.ts';
import { GALLERY_STORE_BYTES } from '../state/session-types.ts';
import { formatBytes } from './format.ts';
import type { GalleryItem } from '../state/session-types.ts';
import { useStudio } from '../state/store.ts';
import { downloadResult } from './download.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import './Gallery.css';

const asImage = (g: GalleryItem) => ({ width: g.width, height: g.height, data: g.rgba });

/** This session's images: thumbnails, a full view, two side by side (with a split view), PNG download. */
export function Gallery() {
  const gallery = useStudio((s) => s.session.gallery);
  const kept = useStudio((s) => s.session.galleryKept);
  const [viewing, setViewing] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const titleId = useId();
  const shown = gallery.find((g) => g.id === viewing) ?? null;
  const pair = compare.map((id) => gallery.find((g) => g.id === id)).filter((g): g is GalleryItem => !!g);

  const toggleCompare = (id: string) =>
    setCompare((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(-2)));

  return (
    <section className="gallery card" aria-labelledby={titleId} data-testid="gallery" data-count={gallery.length}>
      <div className="gallery-header">
        <h2 id={titleId} className="panel-title">
          Gallery <span className="muted">· {gallery.length}</span>
        </h2>
        {gallery.length > 0 && (
          <button type="button" className="button button-ghost" onClick={() => { clearGallery(); setCompare([]); }}>
            Clear gallery
          </button>
        )}
      </div>
      <p className="gallery-kept muted" data-testid="gallery-kept" data-kept={kept?.state ?? 'off'}>
        {kept === null
          ? 'Every image you generate is kept here while the page is open.'
          : kept.state === 'failed'
            ? `Not kept in this browser: ${kept.reason}`
            : `${kept.state === 'saving' ? 'Saving… ' : ''}Kept in this browser across reloads, up to ${formatBytes(GALLERY_STORE_BYTES)} (the oldest images go first).`}
      </p>
      {gallery.length === 0 ? (
        <p className="muted">No images yet.</p>
      ) : (
        <ol className="gallery-grid" aria-label="Images of this session">
          {[...gallery].reverse().map((g) => (
            <li key={g.id} className={`gallery-item${compare.includes(g.id) ? ' is-selected' : ''}`} data-testid="gallery-item" data-file-name={g.fileName}>
              <button type="button" className="gallery-thumb" aria-label={`View ${galleryCaption(g)}`} onClick={() => setViewing(g.id)}>
                <RgbaCanvas image={asImage(g)} label={galleryCaption(g)} className="gallery-image" />
              </button>
              <span className="gallery-caption mono muted" data-testid="gallery-caption">
                <span>{g.fileName}</span>
                <span className="gallery-strengths">{galleryStrengths(g)}</span>
              </span>
              <label className="gallery-compare">
                <input type="checkbox" checked={compare.includes(g.id)} onChange={() => toggleCompare(g.id)} aria-label={`Compare ${galleryCaption(g)}`} data-testid="gallery-compare" />
                <span aria-hidden="true">compare</span>
              </label>
            </li>
          ))}
        </ol>
      )}
      {pair.length === 2 && <Compare a={pair[0]!} b={pair[1]!} onClose={() => setCompare([])} />}
      {shown && <FullView item={shown} onClose={() => setViewing(null)} />}
    </section>
  );
}

/** Two images side by side, and the same two in one frame split by a slider. */
function Compare({ a, b, onClose }: { a: GalleryItem; b: GalleryItem; onClose: () => void }) {
  const [split, setSplit] = useState(50);
  const id = useId();
  return (
    <div className="compare" data-testid="compare" role="group" aria-label={`Comparing ${a.fileName} and ${b.fileName}`}>
      <div className="compare-side">
        {[a, b].map((g) => (
          <figure key={g.id}>
            <RgbaCanvas image={asImage(g)} label={galleryCaption(g)} className="compare-image" />
            <figcaption className="mono muted">{galleryCaption(g)}</figcaption>
          </figure>
        ))}
      </div>
      {a.width === b.width && a.height === b.height && (
        <div className="compare-split-wrap">
          <div className="compare-split" style={{ aspectRatio: `${a.width} / ${a.height}` }}>
            <RgbaCanvas image={asImage(b)} label={`${b.fileName} (right of the split)`} className="compare-image" />
            <div className="compare-split-top" style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}>
              <RgbaCanvas image={asImage(a)} label={`${a.fileName} (left of the split)`} className="compare-image" />
            </div>
          </div>
          <label className="field-label" htmlFor={`${id}-split`}>
            Split position
          </label>
          <input id={`${id}-split`} className="range" type="range" min={0} max={100} value={split} onChange={(e) => setSplit(e.currentTarget.valueAsNumber)} data-testid="compare-split" />
        </div>
      )}
      <button type="button" className="button button-ghost" onClick={onClose}>
        Close comparison
      </button>
    </div>
  );
}

/** One image at full size in a modal dialog (Escape closes it), with its parameters and a PNG download. */
function FullView({ item, onClose }: { item: GalleryItem; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="full-view" aria-labelledby={titleId} data-testid="full-view" onClose={onClose}>
      <h3 id={titleId} className="mono">
        {galleryCaption(item)} · {item.width}×{item.height}
      </h3>
      <RgbaCanvas image={asImage(item)} label={`Full view of ${item.fileName}`} className="full-view-image" />
      <pre className="infotext-text">{item.infotext}</pre>
      <div className="result-actions">
        <button type="button" className="button button-ghost" data-testid="full-view-download" onClick={() => downloadResult(item)}>
          Download PNG
        </button>
        <button
          type="button"
          className="button button-ghost"
          data-testid="full-view-send-to-img2img"
          onClick={() => {
            sendToImg2img(item);
            ref.current?.close();
          }}
        >
          Send to img2img
        </button>
        <button type="button" className="button button-primary" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
