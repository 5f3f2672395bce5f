/**
 * Where A1111's `images.draw_grid_annotations` puts a grid's cells and labels: column labels centred above each
 * column, row labels centred in a left margin of ¾ of a cell's width, the font (cell width + height) / 25 px, words
 * wrapped to the column (or margin) width, lines half a font apart. Pure: text is measured by the caller's
 * function (a canvas in the page, a stub in tests), so positions are testable without pixels.
 */

export interface TextSize {
  width: number;
  height: number;
}

export interface GridLayoutInput {
  cellWidth: number;
  cellHeight: number;
  cols: number;
  rows: number;
  /** one label per column ('' for none) */
  colLabels: readonly string[];
  /** one label per row ('' for none) */
  rowLabels: readonly string[];
  /** the size of one line of text at a font size */
  measure: (text: string, fontSize: number) => TextSize;
  /** A1111's "Grid margins (px)" between cells (default 0) */
  margin?: number;
}

/** A line of label text, centred at (x, y). */
export interface PlacedText {
  text: string;
  x: number;
  y: number;
  /** 'col' (above a column) or 'row' (left of a row) */
  kind: 'col' | 'row';
  /** which column or row it labels */
  of: number;
}

export interface GridLayout {
  width: number;
  height: number;
  fontSize: number;
  padLeft: number;
  padTop: number;
  /** top-left corner of each cell, row-major */
  cells: { x: number; y: number }[];
  texts: PlacedText[];
}

/** Words wrapped greedily into lines no wider than `maxWidth` (a single long word keeps its own line). */
export function wrapWords(text: string, maxWidth: number, width: (line: string) => number): string[] {
  const lines = [''];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const line = `${lines[lines.length - 1]} ${word}`.trim();
    if (width(line) <= maxWidth) lines[lines.length - 1] = line;
    else lines.push(word);
  }
  return lines;
}

export function gridLayout({ cellWidth: w, cellHeight: h, cols, rows, colLabels, rowLabels, measure, margin = 0 }: GridLayoutInput): GridLayout {
  const fontSize = Math.floor((w + h) / 25);
  const spacing = Math.floor(fontSize / 2);
  const padLeft = rowLabels.some((t) => t.length > 0) ? Math.floor((w * 3) / 4) : 0;
  const sized = (labels: readonly string[], allowed: number) =>
    labels.map((label) => wrapWords(label, allowed, (line) => measure(line, fontSize).width).map((text) => ({ text, size: text ? measure(text, fontSize) : { width: 0, height: 0 } })));
  const colLines = sized(colLabels, w);
  const rowLines = sized(rowLabels, padLeft);
  const colHeights = colLines.map((lines) => lines.reduce((s, l) => s + l.size.height + spacing, 0) - spacing);
  // A1111 takes `line_spacing * len(lines)` off the row labels' height (not one spacing): kept, for the same layout
  const rowHeights = rowLines.map((lines) => lines.reduce((s, l) => s + l.size.height + spacing, 0) - spacing * lines.length);
  const padTop = colHeights.every((v) => v <= 0) ? 0 : Math.max(...colHeights) + spacing * 2;
  const cells: GridLayout['cells'] = [];
  for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) cells.push({ x: padLeft + (w + margin) * col, y: padTop + (h + margin) * row });
  const texts: PlacedText[] = [];
  const place = (lines: { text: string; size: TextSize }[], x: number, top: number, kind: PlacedText['kind'], of: number) => {
    let y = top;
    for (const line of lines) {
      if (line.text) texts.push({ text: line.text, x, y: y + line.size.height / 2, kind, of });
      y += line.size.height + spacing;
    }
  };
  for (let col = 0; col < cols; col++) place(colLines[col] ?? [], padLeft + (w + margin) * col + w / 2, padTop / 2 - (colHeights[col] ?? 0) / 2, 'col', col);
  for (let row = 0; row < rows; row++) place(rowLines[row] ?? [], padLeft / 2, padTop + (h + margin) * row + h / 2 - (rowHeights[row] ?? 0) / 2, 'row', row);
  return { width: cols * w + padLeft + margin * (cols - 1), height: rows * h + padTop + margin * (rows - 1), fontSize, padLeft, padTop, cells, texts };
}
