import { useEffect, useMemo, useRef, useState } from 'react';
import type { XyzCellResult, XyzResult } from '../state/actions/xyz-state.ts';
import { downloadBlob, downloadResult } from './download.ts';
import { formatDuration } from './format.ts';
import { RgbaCanvas } from './RgbaCanvas.tsx';
import { drawMainGrid, mainGridPng, xyzGridFileName, zGridPng } from './xyz-grid.ts';

/** A drawn canvas shown in the page (scaled by CSS to the column). */
function CanvasView({ source, label, testId }: { source: HTMLCanvasElement; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = source.width;
    canvas.height = source.height;
    canvas.getContext('2d')?.drawImage(source, 0, 0);
  }, [source]);
  return <canvas ref={ref} className="xyz-grid-canvas" role="img" aria-label={label} data-testid={testId} data-width={source.width} data-height={source.height} />;
}

/** How the plot ran: images, engine calls (batched sweeps or single images), U-Net calls, stack changes. */
function runSummary(result: XyzResult): string {
  const batched = result.runs.filter((r) => r.mode === 'batched').length;
  const images = result.cells.length;
  const parts = [
    `${images} ${images === 1 ? 'image' : 'images'} in ${formatDuration(result.totalMs)}`,
    `${result.runs.length} engine ${result.runs.length === 1 ? 'run' : 'runs'}${batched ? ` (${batched} batched ${batched === 1 ? 'sweep' : 'sweeps'})` : ''}`,
    `${result.unetCalls} U-Net calls`,
    `${result.stackSwitches} hypernetwork ${result.stackSwitches === 1 ? 'switch' : 'switches'}`,
  ];
  return parts.join(' · ');
}

/** The finished plot: the labelled grid (as A1111 draws it), its PNG, and every cell to open and download. */
export function XyzPlotResult({ result }: { result: XyzResult }) {
  const grid = useMemo(() => drawMainGrid(result), [result]);
  const [open, setOpen] = useState<XyzCellResult | null>(null);
  const [xs, ys, zs] = result.labels;
  const axisNames = result.axes.flatMap((a, i) => (a.type === 'Nothing' ? [] : [`${'XYZ'[i]}: ${a.type}`]));

  return (
    <div className="xyz-result" data-testid="xyz-result" data-cells={result.cells.length} data-unet-calls={result.unetCalls} data-runs={result.runs.length}>
      <p className="muted xyz-run-summary" data-testid="xyz-summary">
        {runSummary(result)}
      </p>
      <figure className="xyz-figure">
        <CanvasView source={grid} label={`X/Y/Z plot grid: ${axisNames.join(', ') || 'one image'}`} testId="xyz-grid" />
      </figure>
      <div className="xyz-actions">
        <button type="button" className="button button-ghost" data-testid="xyz-download-grid" onClick={() => downloadBlob(mainGridPng(result), xyzGridFileName(result))}>
          Download grid PNG
        </button>
        {zs.length > 1 &&
          zs.map((z, iz) => (
            <button key={z} type="button" className="button button-ghost" onClick={() => downloadBlob(zGridPng(result, iz), xyzGridFileName(result, iz))}>
              Grid for {z}
            </button>
          ))}
      </div>
      {zs.map((z, iz) => (
        <div className="xyz-table-wrap" key={`${iz}-${z}`}>
          <table className="xyz-table" data-testid="xyz-table">
            <caption className="muted">{z || 'Cells'} · choose an image to open it</caption>
            <thead>
              <tr>
                <td />
                {xs.map((x, ix) => (
                  <th key={ix} scope="col" data-testid="xyz-col-label">
                    {x}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ys.map((y, iy) => (
                <tr key={iy}>
                  <th scope="row" data-testid="xyz-row-label">
                    {y}
                  </th>
                  {xs.map((x, ix) => {
                    const cell = result.cells.find((c) => c.ix === ix && c.iy === iy && c.iz === iz);
                    const name = [x, y, z].filter(Boolean).join(', ') || 'the image';
                    return (
                      <td key={ix}>
                        {cell && (
                          <button type="button" className="xyz-cell" data-testid="xyz-cell" data-index={cell.index} aria-label={`Open ${name}`} aria-pressed={open?.index === cell.index} onClick={() => setOpen(cell)}>
                            <RgbaCanvas image={{ width: cell.image.width, height: cell.image.height, data: cell.image.rgba }} label={name} className="xyz-thumb" />
                          </button>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {open && <OpenCell cell={open} name={[xs[open.ix], ys[open.iy], zs[open.iz]].filter(Boolean).join(', ')} onClose={() => setOpen(null)} />}
    </div>
  );
}

function OpenCell({ cell, name, onClose }: { cell: XyzCellResult; name: string; onClose: () => void }) {
  const { image } = cell;
  return (
    <section className="xyz-open" aria-label={`Cell ${name || image.fileName}`} data-testid="xyz-open-cell">
      <RgbaCanvas image={{ width: image.width, height: image.height, data: image.rgba }} label={`${name}: ${image.fileName}`} className="xyz-open-image" />
      <pre className="mono xyz-infotext" data-testid="xyz-cell-infotext">
        {image.infotext}
      </pre>
      <div className="xyz-actions">
        <button type="button" className="button button-ghost" aria-label={`Download ${image.fileName}`} onClick={() => downloadResult(image)}>
          Download PNG
        </button>
        <button type="button" className="button button-ghost" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
