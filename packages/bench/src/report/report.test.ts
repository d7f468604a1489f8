import { describe, expect, it } from 'vitest';
import { headlinePoint } from '../suites/dense.js';
import { formatBytes, markdownTable, ratio } from './format.js';
import { renderSvg } from './plot.js';

describe('formatBytes and ratio', () => {
  it('uses binary units and marks missing values', () => {
    expect(formatBytes(4.6 * 2 ** 20)).toBe('4.60 MiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatBytes(1020 * 2 ** 10)).toBe('1020 KiB');
    expect(formatBytes(20.44 * 2 ** 20)).toBe('20.4 MiB');
    expect(formatBytes(null)).toBe('-');
    expect(ratio(1, 4)).toBe('0.25x');
    expect(ratio(30, 2)).toBe('15x');
    expect(ratio(1, 0)).toBe('-');
  });
});

describe('markdownTable', () => {
  it('pads columns and writes the separator row', () => {
    expect(markdownTable(['a', 'bb'], [['xxx', 'y']])).toBe('| a   | bb |\n| --- | -- |\n| xxx | y  |');
  });
});

describe('headlinePoint', () => {
  const p = (label: string, recall: number, p50Ms: number) => ({ label, params: {}, recall, p50Ms, p95Ms: p50Ms, meanMs: p50Ms, queries: 10 });
  it('quotes the fastest point that reaches the target recall', () => {
    expect(headlinePoint([p('a', 0.99, 3), p('b', 0.96, 1), p('c', 0.9, 0.1)])?.label).toBe('b');
  });
  it('falls back to the most accurate point when none reaches it', () => {
    expect(headlinePoint([p('a', 0.5, 3), p('b', 0.8, 1), p('c', 0.8, 0.5)])?.label).toBe('c');
  });
});

describe('renderSvg', () => {
  it('renders a Vega-Lite chart to SVG without a browser', async () => {
    const svg = await renderSvg({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: {
        values: [
          { x: 1, y: 2 },
          { x: 2, y: 3 },
        ],
      },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
  });
});
