/**
 * A report as CSV with exactly the columns of the `tenon-reporters` CSV reporter, in its order,
 * so spreadsheets and scripts built for it read Herald's unchanged (test/reports checks the
 * columns against those of tenon-reporters). One row per issue, every page's issues together.
 * RFC 4180 quoting; a text cell that a spreadsheet would run as a formula is prefixed with "'".
 */
import type { Report, ReportIssue } from './model.ts';

export const CSV_COLUMNS = [
  'resultTitle',
  'errorTitle',
  'errorDescription',
  'certainty',
  'priority',
  'signature',
] as const satisfies ReadonlyArray<keyof ReportIssue>;

function cell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(report: Report): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const page of report.pages)
    for (const issue of page.issues)
      rows.push(CSV_COLUMNS.map((c) => cell(issue[c] as string | number)).join(','));
  return `${rows.join('\r\n')}\r\n`;
}
