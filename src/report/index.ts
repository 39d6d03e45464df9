/**
 * src/report owns what a measurement becomes on paper: the results.json contract (schema.ts: every run
 * raw, validated on read), grouping over repeats (aggregate.ts), tables and results.csv (tables.ts),
 * dependency-free SVG charts (svg.ts, charts.ts) and report.md / self-contained report.html (render.ts).
 * All of it is pure (results in, text out) except files.ts, the edge that reads and writes a report
 * directory and renders PNGs with rsvg-convert when present.
 */
export * from './schema.js';
export * from './format.js';
export { convergeGroups, drillRows } from './aggregate.js';
export { buildCharts, type Chart } from './charts.js';
export { headlineTable, drillTable, resultsCsv } from './tables.js';
export { renderReport, renderMarkdown, renderHtml, headlineText } from './render.js';
export { readResults, writeResults, writeReport } from './files.js';
