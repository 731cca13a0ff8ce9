// A side-by-side table printer. Prints a Markdown pipe table (readable in a terminal, pastable in a README).

/**
 * @param {string} title
 * @param {string[]} header  column names; the first column is the row label
 * @param {Array<Array<string|number>>} rows
 */
/** Every table printed so far, for `--track` (bench/lib/track.js). */
export const printedTables = [];

export function printTable(title, header, rows) {
  printedTables.push({ title, header: header.map(String), rows: rows.map((row) => row.map(String)) });
  const cells = [header, ...rows].map((row) => row.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row, isHeader) =>
    '| ' +
    row
      .map((c, i) => (i === 0 || isHeader ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i])))
      .join(' | ') +
    ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|') + '|';
  const out = [];
  if (title) out.push('', `### ${title}`, '');
  out.push(line(cells[0], true), rule, ...cells.slice(1).map((r) => line(r, false)));
  console.log(out.join('\n'));
}
