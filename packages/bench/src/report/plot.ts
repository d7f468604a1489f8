/** Renders Vega-Lite specs to SVG files in Node (no browser, no canvas). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Compiles a Vega-Lite spec and renders it headless to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders and writes `file`. */
export async function writeSvg(file: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, svg);
}

/** Shared look: white background, readable fonts. */
export const baseConfig = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6', labelLimit: 260 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 380 },
  title: { fontSize: 14, anchor: 'start' as const },
};
