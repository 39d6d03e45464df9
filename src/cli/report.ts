/** `bgplab report DIR`: render results.json in DIR again (results.csv, report.md, report.html, charts). */
import type { Command } from 'commander';
import { CliError } from './errors.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('render DIR/results.json again as results.csv, report.md and report.html (+ PNG charts when rsvg-convert is installed)')
    .argument('<dir>', 'directory holding results.json (from bgplab sweep)')
    .option('--no-png', 'do not render PNG charts (the Markdown then links the SVGs)')
    .option('--title <text>', 'report title')
    .action(async (dir: string, o: { png: boolean; title?: string }) => {
      const { readResults, writeReport } = await import('../report/files.js');
      const { headlineText } = await import('../report/render.js');
      let results;
      try {
        results = await readResults(dir);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new CliError(err.code === 'ENOENT' ? `report: no results.json in ${dir}` : `report: ${err.message}`);
      }
      const w = await writeReport(dir, results, { png: o.png, title: o.title });
      process.stdout.write(headlineText(results));
      process.stdout.write(`\nwrote ${w.files.length} files in ${dir}${w.png ? '' : ` (${w.pngNote})`}\n`);
    });
}
