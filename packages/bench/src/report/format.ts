/** Number formatting and plain-text tables for the console and the docs. */

/** Bytes as MiB / GiB / KiB with 3 significant digits. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  const abs = Math.abs(bytes);
  const three = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (abs >= 2 ** 30) return `${three(bytes / 2 ** 30)} GiB`;
  if (abs >= 2 ** 20) return `${three(bytes / 2 ** 20)} MiB`;
  if (abs >= 2 ** 10) return `${three(bytes / 2 ** 10)} KiB`;
  return `${bytes} B`;
}

/** A number with fixed decimals, or "-" when absent. */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

/** A ratio such as "0.12x", or "-" when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0) || !Number.isFinite(a)) return '-';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** An integer with thousands separators. */
export function count(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : Math.round(x).toLocaleString('en-US');
}

/** A GitHub-flavoured markdown table, columns padded so it also reads in a terminal. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
